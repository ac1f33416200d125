# expect: refused
# An os.PathLike whose __fspath__ answers a lying str subclass (and a different path the second time).
import os


class Sneaky(str):
    def startswith(self, *args, **kwargs):
        return False


class Shifty:
    calls = 0

    def __init__(self, real):
        self.real = real

    def __fspath__(self):
        Shifty.calls += 1
        return Sneaky(self.real) if Shifty.calls == 1 else "harmless.txt"


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    with open(Shifty(os.path.join(target["outside"], "secret.txt"))) as handle:
        return handle.read()
