# expect: refused
# A FIFO nobody writes to would block an open forever: mkfifo is refused, and so is opening any
# non-regular file inside the sandbox directory.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    os.mkfifo("pipe")
    with open("pipe", "rb") as handle:
        return handle.read(4)
