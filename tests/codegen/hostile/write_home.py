# expect: refused
# The real home directory of the user running tokdrift (the sandbox's own HOME is its temp dir).
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    with open(os.path.join(target["home"], target["probe_name"]), "w") as handle:
        handle.write("owned")
