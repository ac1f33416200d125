# expect: refused
# Its own environment through /proc (the test checks it holds no secret either way).
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    with open("/proc/self/environ", "rb") as handle:
        return handle.read()
