# expect: refused
import os
import socket


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender.sendto(b"leak", ("127.0.0.1", target["port"]))
