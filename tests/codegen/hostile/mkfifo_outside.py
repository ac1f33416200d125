# expect: refused
# mkfifo raises no audit event: without its stub it would create a node anywhere.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    os.mkfifo(os.path.join(target["outside"], "pwned"))
