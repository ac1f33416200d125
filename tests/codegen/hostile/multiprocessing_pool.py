# expect: refused
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    import multiprocessing

    with multiprocessing.Pool(2) as pool:
        return pool.map(abs, [-1, -2])
