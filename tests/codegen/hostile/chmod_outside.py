# expect: refused
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    os.chmod(os.path.join(target["outside"], "keep.txt"), 0o777)
