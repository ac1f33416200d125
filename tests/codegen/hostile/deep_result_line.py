# expect: crashed
# A line nested far deeper than any value, with the runner's token (found on the stack): JSON that would
# exhaust a recursive reader.
import os
import sys


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    frame = sys._getframe(1)
    while frame is not None:
        channel = frame.f_locals.get("channel")
        if channel is not None and hasattr(channel, "prefix"):
            os.write(channel.fd, channel.prefix + b"[" * 200000 + b"]" * 200000 + b"\n")
            break
        frame = frame.f_back
    return "after"
