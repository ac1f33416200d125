# expect: refused
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    with open("/dev/tty", "w") as handle:
        handle.write("hello")
