# expect: refused
# SQLite opens files in C: refused at import.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    import sqlite3

    sqlite3.connect(os.path.join(target["outside"], "pwned.db")).execute("create table t (x)")
