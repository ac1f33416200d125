# expect: timeout
# Disarms the in-process timer by ignoring SIGALRM.
import os
import signal


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    while True:
        pass
