# expect: refused
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    code = run.__code__.replace(co_code=b"\x00" * 8)
    return code
