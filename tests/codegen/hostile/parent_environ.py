# expect: refused
# The parent's environment through /proc.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    with open(f"/proc/{os.getppid()}/environ", "rb") as handle:
        return handle.read()
