# expect: refused
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    os.kill(1, 0)
