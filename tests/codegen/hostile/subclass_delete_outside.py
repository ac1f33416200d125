# expect: refused
# Deleting a file outside through a str subclass whose methods lie.
import os


class Sneaky(str):
    def startswith(self, *args, **kwargs):
        return False

    def split(self, *args, **kwargs):
        return ["keep.txt"]


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    os.remove(Sneaky(os.path.join(target["outside"], "keep.txt")))
