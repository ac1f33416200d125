# expect: refused
import os
import signal


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    os.killpg(0, signal.SIGKILL)
