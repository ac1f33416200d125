# expect: refused
# The first process of the sandbox's namespace: killing it would end the sandbox early.
import os
import signal


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    os.kill(1, signal.SIGKILL)
