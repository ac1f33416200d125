# expect: refused
# Importing ctypes under a name whose partition() lies about it.
import os


class Sneaky(str):
    def partition(self, *args, **kwargs):
        return ("harmless", "", "")


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    module = __import__(Sneaky("ctypes"))
    return module.string_at(0, 8)
