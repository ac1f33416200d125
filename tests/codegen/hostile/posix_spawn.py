# expect: refused
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    return os.posix_spawn("/bin/sh", ["/bin/sh", "-c", "touch " + target["outside"] + "/pwned"], {})
