"""Versioned artifact models and their file I/O.

Every stage reads and writes only these files; each carries a header saying
what it is, which schema, and what it was made from.
"""
