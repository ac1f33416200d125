# expect: refused
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    with open("/etc/shadow") as handle:
        return handle.read()
