# expect: crashed
# Thousands of short garbage lines on the result descriptor.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    for fd in range(3, 10):
        try:
            os.write(fd, b"x\n" * 5000)
        except OSError:
            pass
    return "after"
