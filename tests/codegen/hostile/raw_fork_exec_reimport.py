# expect: refused
# Drops the sandbox's stand-in and asks for the real C module again.
import os
import sys


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    sys.modules.pop("_posixsubprocess", None)
    import _posixsubprocess

    return _posixsubprocess.fork_exec
