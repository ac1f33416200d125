# expect: refused
import os
import shutil


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    shutil.rmtree(target["outside"])
