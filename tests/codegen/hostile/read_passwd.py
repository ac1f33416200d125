# expect: refused
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    with open("/etc/passwd") as handle:
        return handle.read()
