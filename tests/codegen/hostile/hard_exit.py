# expect: crashed
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    os._exit(9)
