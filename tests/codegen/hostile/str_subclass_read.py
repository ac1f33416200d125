# expect: refused
# A str subclass whose own methods say the path is relative and harmless: the guard must read its characters.
import os


class Sneaky(str):
    def startswith(self, *args, **kwargs):
        return False

    def split(self, *args, **kwargs):
        return ["harmless"]

    def __contains__(self, item):
        return False


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    with open(Sneaky("/etc/passwd")) as handle:
        return handle.read()
