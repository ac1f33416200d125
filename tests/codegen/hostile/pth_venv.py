# expect: refused
# The virtualenv's own directory and its configuration, plainly named.
import os


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    with open(os.path.join(target["venv"], target["probe_name"] + ".pth"), "w") as handle:
        handle.write("import os\n")
    with open(os.path.join(target["venv"], "pyvenv.cfg"), "a") as handle:
        handle.write("include-system-site-packages = true\n")
