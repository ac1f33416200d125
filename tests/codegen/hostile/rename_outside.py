# expect: refused
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    os.rename(os.path.join(target["outside"], "keep.txt"), "stolen.txt")
