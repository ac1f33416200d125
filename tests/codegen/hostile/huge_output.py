# expect: too_large
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    return "x" * 10**8
