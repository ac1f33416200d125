# expect: refused
# The parent's environment (its API keys) through /proc, with the path hidden in a str subclass.
import os


class Sneaky(str):
    def startswith(self, *args, **kwargs):
        return False


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    found = []
    for pid in {os.getppid(), target["parent_pid"]}:
        with open(Sneaky(f"/proc/{pid}/environ"), "rb") as handle:
            found.append(handle.read())
    return found
