"""From IR to Python code: generators, IR variants, code equivalence and a sandbox.

Core modules: no terminal I/O, no imports from stages or the CLI.
"""
