# expect: refused
# pid -1 means every process the user may signal; signal 0 keeps the probe harmless.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    os.kill(-1, 0)
