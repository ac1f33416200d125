# expect: refused
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    os.makedirs(os.path.join(target["outside"], "pwned", "deeper"))
