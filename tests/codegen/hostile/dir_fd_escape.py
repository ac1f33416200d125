# expect: refused
# A directory descriptor outside the sandbox would make later relative calls invisible to the guard.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    directory = os.open(target["outside"], os.O_RDONLY)
    fd = os.open("pwned", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=directory)
    os.write(fd, b"owned")
