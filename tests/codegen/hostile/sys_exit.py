# expect: raised
import os
import sys


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    sys.exit(3)
