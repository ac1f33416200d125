# expect: timeout
def run(mode, target):
    if mode != "attack":
        import os

        return os.getcwd()
    while True:
        pass
