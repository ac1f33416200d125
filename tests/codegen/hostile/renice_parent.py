# expect: refused
# As root, any process's priority can be changed; this one would set the parent's to what it already is.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    parent = os.getppid()
    os.setpriority(os.PRIO_PROCESS, parent, os.getpriority(os.PRIO_PROCESS, parent))
