# expect: refused
# The environment of the first process of the namespace, where a sandbox started carelessly keeps secrets.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    with open("/proc/1/environ", "rb") as handle:
        return handle.read()
