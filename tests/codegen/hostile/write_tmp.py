# expect: refused
# The shared temporary directory, outside the sandbox's own.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    with open(os.path.join("/tmp", target["probe_name"]), "w") as handle:
        handle.write("owned")
