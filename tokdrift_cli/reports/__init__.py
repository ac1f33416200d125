"""Renderers that turn an analysis artifact into files people read.

Each renderer is a pure function of the artifact: no clock, no terminal, no
file system, so the same artifact always gives the same bytes and a committed
report diffs cleanly when (and only when) the numbers change.

* :mod:`.fragile_markdown` - FRAGILE_PROMPTS.md, the reviewable list.
* :mod:`.html_report` - one self-contained HTML page with inline SVG charts.
* :mod:`.issue_drafts` - one markdown issue draft per fragile rewrite family.
"""
