# expect: refused
# Raises refused audit events by the thousand: the report stays bounded, the call is still a refusal.
import os
import sys


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    for _ in range(10000):
        try:
            sys.audit("socket.connect", None, ("127.0.0.1", target["port"]))
        except PermissionError:
            pass
    return "done"
