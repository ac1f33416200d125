# expect: refused
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    os.symlink(target["outside"], "escape")
    with open("escape/pwned", "w") as handle:
        handle.write("owned")
