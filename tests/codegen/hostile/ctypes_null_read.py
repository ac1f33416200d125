# expect: refused
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    import ctypes

    return ctypes.string_at(0)
