"""The code that runs inside the sandbox process: the runner, the value codec it shares with the parent, the guard."""
