# expect: refused
# Shared memory, writable by everyone on most systems.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    with open(os.path.join("/dev/shm", target["probe_name"]), "w") as handle:
        handle.write("owned")
