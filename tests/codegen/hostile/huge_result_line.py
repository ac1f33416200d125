# expect: too_large
# One line bigger than any result can be, never ended: the parent stops reading and kills the process.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    for fd in range(3, 10):
        try:
            os.write(fd, b"{" * (4 << 20))
        except OSError:
            pass
    return "after"
