"""The documentation keeps up with the command line: a page per command, links that resolve, a short README.

Commands are read from the Typer app itself, so a new command without a page fails here.
Links are read the way a markdown renderer reads them (markdown-it), not grepped.
"""

from __future__ import annotations

import shlex
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import typer
from markdown_it import MarkdownIt
from markdown_it.token import Token
from typer.core import TyperGroup

from tokdrift_cli.cli.app import app
from tokdrift_cli.reports.markdown import Anchors

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
COMMAND_PAGES = DOCS / "commands"
PAGES = [README, *sorted(DOCS.rglob("*.md"))]
README_MAX_LINES = 200


def _group() -> TyperGroup:
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    return group


def _command_paths(command: object, prefix: str) -> list[str]:
    """Every runnable command line under ``command``: ``tokdrift suite import humaneval``, ..."""
    if isinstance(command, TyperGroup):
        return [path for name, sub in command.commands.items() for path in _command_paths(sub, f"{prefix} {name}")]
    return [prefix]


TOP_LEVEL = sorted(_group().commands)


@cache
def _tokens(page: Path) -> list[Token]:
    return MarkdownIt("commonmark").enable("table").parse(page.read_text(encoding="utf-8"))


def _inline_children(page: Path) -> list[Token]:
    return [child for token in _tokens(page) if token.type == "inline" for child in token.children or []]


def _links(page: Path) -> list[str]:
    return [str(child.attrs["href"]) for child in _inline_children(page) if child.type == "link_open"]


def _headings(page: Path) -> list[str]:
    tokens = _tokens(page)
    return [
        "".join(child.content for child in tokens[index + 1].children or [])
        for index, token in enumerate(tokens)
        if token.type == "heading_open"
    ]


@cache
def _anchors(page: Path) -> frozenset[str]:
    registry = Anchors()
    return frozenset(registry.add(heading) for heading in _headings(page))


def _relative_links(page: Path) -> list[tuple[str, Path, str]]:
    """(link as written, the file it points to, its fragment) for every link that is not a URL."""
    found = []
    for href in _links(page):
        parts = urlsplit(href)
        if parts.scheme or parts.netloc:
            continue
        target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
        found.append((href, target, unquote(parts.fragment)))
    return found


def test_the_app_has_commands_to_document() -> None:
    assert {"baseline", "analyze", "report", "validate", "suite"} <= set(TOP_LEVEL)


@pytest.mark.parametrize("name", TOP_LEVEL)
def test_every_command_has_its_page_linked_from_the_readme(name: str) -> None:
    page = COMMAND_PAGES / f"{name}.md"
    assert page.is_file(), f"no docs/commands/{name}.md"
    linked = {target for _, target, _ in _relative_links(README)}
    assert page.resolve() in linked, f"README.md does not link docs/commands/{name}.md"


@pytest.mark.parametrize("name", TOP_LEVEL)
def test_every_command_line_is_a_heading_of_its_page(name: str) -> None:
    """A page opens with its command; a group's page has a section per subcommand."""
    page = COMMAND_PAGES / f"{name}.md"
    headings = [heading.strip() for heading in _headings(page)]
    assert headings[0] == f"tokdrift {name}"
    for path in _command_paths(_group().commands[name], f"tokdrift {name}"):
        assert path in headings, f"{page.name} has no section for {path}"


@pytest.mark.parametrize("page", sorted(COMMAND_PAGES.glob("*.md")), ids=lambda path: path.name)
def test_every_command_page_is_linked_from_the_readme(page: Path) -> None:
    linked = {target for _, target, _ in _relative_links(README)}
    assert page.resolve() in linked


@pytest.mark.parametrize("page", PAGES, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_resolves(page: Path) -> None:
    links = _relative_links(page)
    for href, target, fragment in links:
        assert target.exists(), f"{page.relative_to(ROOT)}: {href} points to nothing"
        assert ROOT in target.parents or target == ROOT, f"{page.relative_to(ROOT)}: {href} leaves the repository"
        if fragment and target.suffix == ".md":
            assert fragment in _anchors(target), f"{page.relative_to(ROOT)}: {href} names no heading of {target.name}"


def test_every_docs_page_is_reachable_from_the_readme() -> None:
    seen, pending = {README.resolve()}, [README.resolve()]
    while pending:
        for _, target, _ in _relative_links(pending.pop()):
            if target.suffix == ".md" and target.is_file() and DOCS in target.parents and target not in seen:
                seen.add(target)
                pending.append(target)
    assert {page.resolve() for page in DOCS.rglob("*.md")} <= seen


def test_readme_fits_on_a_few_screens() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) < README_MAX_LINES


def test_readme_test_command_is_what_ci_runs() -> None:
    """The README's test line ends with the pytest command of .ci/run, word for word."""
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    (ci_pytest,) = [line for line in ci_lines if line.startswith("pytest ")]
    code_lines = [line for token in _tokens(README) if token.type == "fence" for line in token.content.splitlines()]
    test_lines = [line for line in code_lines if ' -e ".[test]"' in line]
    assert len(test_lines) == 1
    assert shlex.split(test_lines[0].rsplit(" && ", 1)[1]) == shlex.split(ci_pytest)
