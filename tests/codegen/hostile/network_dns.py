# expect: refused
import os
import socket


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    return socket.getaddrinfo("example.com", 443)
