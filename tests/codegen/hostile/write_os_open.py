# expect: refused
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    fd = os.open(os.path.join(target["outside"], "pwned"), os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b"owned")
