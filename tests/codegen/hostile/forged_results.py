# expect: crashed
# Writes garbage where the results go: the parent calls it bad output and moves on.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    for fd in range(3, 10):
        try:
            os.write(fd, b"not json\n")
        except OSError:
            pass
    return "forged"
