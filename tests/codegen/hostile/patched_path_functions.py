# expect: refused
# Monkeypatching os.path does not change the guard's view of paths.
import os
import os.path


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    here = os.getcwd()
    os.path.realpath = lambda path, **kwargs: here
    os.path.abspath = lambda path: here
    with open(os.path.join(target["outside"], "pwned"), "w") as handle:
        handle.write("owned")
