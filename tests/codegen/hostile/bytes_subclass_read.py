# expect: refused
# A bytes subclass whose own decode lies about the path.
import os


class Sneaky(bytes):
    def decode(self, *args, **kwargs):
        return "harmless.txt"

    def startswith(self, *args, **kwargs):
        return False


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    with open(Sneaky(os.path.join(target["outside"], "secret.txt").encode()), "rb") as handle:
        return handle.read()
