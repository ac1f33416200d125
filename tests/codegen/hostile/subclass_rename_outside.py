# expect: refused
# Moving a file from outside into the sandbox, the source named by a lying str subclass.
import os


class Sneaky(str):
    def startswith(self, *args, **kwargs):
        return False


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    os.rename(Sneaky(os.path.join(target["outside"], "secret.txt")), "stolen.txt")
    with open("stolen.txt") as handle:
        return handle.read()
