# expect: refused
# The C helper behind subprocess raises no audit event of its own.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    import _posixsubprocess

    return _posixsubprocess.fork_exec(
        [b"/bin/sh"],
        [b"/bin/sh"],
        True,
        (),
        None,
        None,
        -1,
        -1,
        -1,
        -1,
        -1,
        -1,
        -1,
        -1,
        False,
        False,
        None,
        None,
        None,
        -1,
        None,
        False,
    )
