# expect: refused
# Keeps forking after each refusal until time runs out.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    while True:
        try:
            os.fork()
        except OSError:
            pass
