# expect: crashed
# A real SIGSEGV, without ctypes.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    import faulthandler

    faulthandler._sigsegv()
