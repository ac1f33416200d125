"""File-level workflows: resolve paths, models and programs, call a stage,
write its artifact. The CLI calls these; stages never touch paths."""
