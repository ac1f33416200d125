# expect: refused
# As root, a block device node in the sandbox directory would be a door to the raw disk.
import os
import stat


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    os.mknod("disk", stat.S_IFBLK | 0o600, os.makedev(8, 0))
    with open("disk", "rb") as handle:
        return handle.read(16)
