# expect: refused
# pwd reads /etc/passwd in C, behind the audit hook's back: the import itself is refused.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    import pwd

    return [entry.pw_name for entry in pwd.getpwall()]
