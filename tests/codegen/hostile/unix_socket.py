# expect: refused
# A Unix socket of the host (a container runtime's, say), which a read-only mount would not stop.
import os
import socket


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.connect("/run/docker.sock")
