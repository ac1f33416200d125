# expect: refused
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    with open(os.path.join(target["outside"], "secret.txt")) as handle:
        return handle.read()
