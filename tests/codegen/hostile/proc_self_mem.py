# expect: refused
# Writing its own memory through /proc to switch the guard off.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    with open("/proc/self/mem", "r+b") as handle:
        handle.seek(0x400000)
        handle.write(b"\x90" * 16)
