"""tokdrift: measure and improve how robust an NL -> IR -> code generator is to
meaning-preserving changes of its input."""

__version__ = "0.2.0"
