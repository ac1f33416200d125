# expect: timeout
# Catches the sandbox's timer exception and keeps going: only the parent's kill stops it.
import os
import time


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    while True:
        try:
            time.sleep(100)
        except BaseException:  # noqa: BLE001, S110
            pass
