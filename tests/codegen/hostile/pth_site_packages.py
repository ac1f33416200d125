# expect: refused
# A .pth file in the parent's site-packages runs outside the sandbox on tokdrift's next start.
import os


class Sneaky(str):
    def startswith(self, *args, **kwargs):
        return False


def run(mode, target):
    if mode != "attack":
        return os.getcwd()
    path = os.path.join(target["site_packages"], target["probe_name"] + ".pth")
    with open(Sneaky(path), "w") as handle:
        handle.write("import os; os.system('touch /tmp/pwned')\n")
