# expect: refused
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    os.execv("/bin/sh", ["/bin/sh", "-c", "touch " + target["outside"] + "/pwned"])
