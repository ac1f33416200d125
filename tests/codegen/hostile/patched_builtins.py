# expect: refused
# Replaces the builtins a guard might call while deciding, then writes outside.
import builtins
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    builtins.isinstance = lambda *args: False
    builtins.issubclass = lambda *args: False
    builtins.type = lambda *args: str
    builtins.len = lambda *args: 0
    with open(os.path.join(target["outside"], "pwned"), "w") as handle:
        handle.write("owned")
