# expect: raised
# Takes the root user back (no audit event covers setuid: the operating system refuses it).
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    os.setresuid(0, 0, 0)
    with open("/etc/shadow") as handle:
        return handle.read()
