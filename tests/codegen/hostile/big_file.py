# expect: raised
# Larger than file_size_bytes, even inside the sandbox directory.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    with open("big.bin", "wb") as handle:
        handle.write(b"\0" * (4 << 20))
