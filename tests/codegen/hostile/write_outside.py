# expect: refused
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    with open(os.path.join(target["outside"], "pwned"), "w") as handle:
        handle.write("owned")
