# expect: refused
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    os.chdir(target["outside"])
    with open("pwned", "w") as handle:
        handle.write("owned")
