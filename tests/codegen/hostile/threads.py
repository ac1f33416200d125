# expect: refused
import os
import threading


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    thread = threading.Thread(target=lambda: None)
    thread.start()
    thread.join()
