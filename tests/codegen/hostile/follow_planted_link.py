# expect: refused
# A symbolic link planted outside (by the test) that points at a secret: resolved, then refused.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    with open(os.path.join(target["outside"], "link-to-secret")) as handle:
        return handle.read()
