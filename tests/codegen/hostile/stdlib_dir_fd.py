# expect: refused
# A directory the sandbox may read (the standard library) opened as a descriptor, to write relative to it.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    directory = os.open(os.path.dirname(os.__file__), os.O_RDONLY)
    fd = os.open("pwned.py", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=directory)
    os.write(fd, b"owned = True\n")
