# expect: refused, raised
# shutil.rmtree with a path object (its own audit event carries the object, not a string). Behind the
# boundary the directory is not even there (raised); without it, the guard refuses the first call rmtree
# makes with it.
import os
import pathlib
import shutil


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    shutil.rmtree(pathlib.Path(target["outside"]))
