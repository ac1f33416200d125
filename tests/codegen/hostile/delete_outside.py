# expect: refused
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    os.remove(os.path.join(target["outside"], "keep.txt"))
