# expect: refused
# Walking every live object is how one would find and disarm the guard.
import gc
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    return len(gc.get_objects())
