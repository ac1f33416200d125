# expect: refused
# Reopening the result descriptor through /proc/self/fd to write a forged result.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    for fd in range(3, 10):
        with open(f"/proc/self/fd/{fd}", "w") as handle:
            handle.write('{"event": "outcome", "index": 0, "status": "ok", "value": 42}\n')
