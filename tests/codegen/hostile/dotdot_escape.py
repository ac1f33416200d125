# expect: refused
# A relative path climbing out of the working directory.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    depth = os.getcwd().count("/")
    with open("../" * depth + "etc/passwd") as handle:
        return handle.read()
