# expect: crashed
# Opens the result descriptor by number (a plain int, which the guard lets through) and writes garbage.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    for fd in range(3, 10):
        try:
            with open(fd, "w", closefd=False) as handle:
                handle.write("garbage that is not a result\n")
        except OSError:
            pass
    return "after"
