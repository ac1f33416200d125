# expect: refused
# A symbolic link to itself, planted outside by the test: the guard's path resolution must not spin.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    with open(os.path.join(target["outside"], "loop")) as handle:
        return handle.read()
