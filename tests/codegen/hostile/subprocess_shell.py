# expect: refused
import os
import subprocess


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    subprocess.run(["/bin/sh", "-c", "touch " + target["outside"] + "/pwned"], check=False)
