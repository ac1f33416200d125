# expect: refused
# Signalling through a process descriptor, which no audit event covers. Signal 0 only probes.
import os
import signal


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    descriptor = os.pidfd_open(os.getppid())
    signal.pidfd_send_signal(descriptor, 0)
