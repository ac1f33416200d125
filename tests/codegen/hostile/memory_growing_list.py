# expect: memory
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    hoard = []
    while True:
        hoard.append([0] * 10**6)
