# expect: crashed
# Closes the descriptor the results go to.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    for fd in range(3, 10):
        try:
            os.close(fd)
        except OSError:
            pass
    return "silenced"
