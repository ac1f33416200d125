# expect: raised
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    raise KeyboardInterrupt
