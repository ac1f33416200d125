# expect: refused
import os
import resource


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    unlimited = resource.RLIM_INFINITY
    resource.setrlimit(resource.RLIMIT_AS, (unlimited, unlimited))
