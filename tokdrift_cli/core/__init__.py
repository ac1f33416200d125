"""The core: IR, suites, variants, equivalence, statistics.

Nothing in here does terminal I/O or imports a stage or the CLI.
"""
