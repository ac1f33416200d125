# expect: refused
import os
import socket


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    with socket.create_connection(("127.0.0.1", target["port"]), timeout=1) as connection:
        connection.sendall(b"leak")
