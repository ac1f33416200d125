# expect: refused
import os
import pathlib


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    pathlib.Path(target["outside"], "pwned").write_text("owned")
