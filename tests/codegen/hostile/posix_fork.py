# expect: refused
# Reaches for the same function through the posix module.
import os
import posix


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    return posix.fork()
