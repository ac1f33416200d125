# expect: ok
# Returns the whole environment: the test checks that no secret is in it.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    return dict(os.environ)
