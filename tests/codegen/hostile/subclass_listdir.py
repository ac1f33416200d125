# expect: refused
# Listing the real home through a bytes subclass.
import os


class Sneaky(bytes):
    def decode(self, *args, **kwargs):
        return "."


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    return os.listdir(Sneaky(target["home"].encode()))
