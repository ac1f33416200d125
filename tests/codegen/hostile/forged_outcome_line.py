# expect: crashed
# A well-formed outcome line, written straight to the result descriptor, claiming a passing value.
import os

FORGED = b'{"event": "outcome", "index": 0, "status": "ok", "value": 42, "value_repr": "42"}\n'


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    for fd in range(3, 10):
        try:
            os.write(fd, FORGED)
        except OSError:
            pass
    return 42
