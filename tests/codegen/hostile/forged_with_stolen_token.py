# expect: crashed
# Finds the runner's channel (and so its token) by walking the stack, reports a value of its choice, then
# returns another: the parent sees two outcomes for one call and believes neither.
import os
import sys


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    frame = sys._getframe(1)
    while frame is not None:
        channel = frame.f_locals.get("channel")
        if channel is not None and hasattr(channel, "emit"):
            index = next(f.f_locals["index"] for f in _frames() if "index" in f.f_locals)
            channel.emit({"event": "outcome", "index": index, "status": "ok", "value": "forged"})
            break
        frame = frame.f_back
    return "real"


def _frames():
    frame = sys._getframe(1)
    while frame is not None:
        yield frame
        frame = frame.f_back
