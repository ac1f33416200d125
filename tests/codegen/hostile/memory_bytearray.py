# expect: memory
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    return len(bytearray(10**10))
