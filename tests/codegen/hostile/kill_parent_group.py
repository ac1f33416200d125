# expect: refused
# Signal 0 only probes: should the guard ever fail, nothing is harmed.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    os.killpg(os.getpgid(os.getppid()), 0)
