# expect: crashed
# Replaces the result descriptor with stderr, so the runner's report would go nowhere useful.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    for fd in range(3, 10):
        try:
            os.fstat(fd)
        except OSError:
            continue
        os.dup2(2, fd)
    return "after"
