"""Bad input as careless users give it, to every command: each case ends with its documented exit code,
a short message and no traceback, and leaves every file in the workspace as it was.

Each case runs the real command line in a fresh copy of one workspace (a suite, baselines, an analysis,
a validation, shards, broken files of every kind). The embedded model is replaced by the fake engine:
a case that wrongly got as far as generating would run against it, never against the real model.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest

from tests.fakes import FakeEngine
from tests.stages.test_baseline import make_inputs, runner_for
from tests.stages.test_validate import fragile_run, robust_run
from tokdrift_cli.artifacts.io import write_artifact
from tokdrift_cli.artifacts.outputs import locked
from tokdrift_cli.cli.app import run
from tokdrift_cli.errors import ExitCode
from tokdrift_cli.stages.baseline import run_baseline

USAGE, BUSY = int(ExitCode.USAGE), int(ExitCode.RUNTIME)
REPO = Path(__file__).resolve().parents[2]
MINI_SUITE = REPO / "tokdrift_cli" / "data" / "suites" / "mini.jsonl"
PROGRAM_FILE = REPO / "baselines" / "program_bootstrap.json"  # optimized on the shipped core suite

PROGRAMS_MODULE = '''
import dspy

VALUE = 3


def returns_text():
    return "not a module"


def raises():
    raise RuntimeError("the factory could not build its program")


class NotAnIRGenerator(dspy.Module):
    def forward(self, request):
        return dspy.Prediction(ir=None)


def other_module():
    return NotAnIRGenerator()
'''


def _bad_suite_lines() -> bytes:
    good = MINI_SUITE.read_bytes().splitlines()[0]
    return b"\n".join([good, b"{not json", b'{"id": "x"}', good]) + b"\n"


def _make_template(root: Path) -> None:
    """Every file a case may point at; made once, copied for each case.

    Artifacts record the suite as ``suite.jsonl``, relative: in a copy it names the copy's suite.
    """
    shutil.copy(MINI_SUITE, root / "suite.jsonl")
    shutil.copy(MINI_SUITE, root / "train.jsonl")
    shutil.copy(PROGRAM_FILE, root / "program.json")
    suite = Path("suite.jsonl")
    write_artifact(root / "baseline.json", run_baseline(make_inputs(suite, variants_per_prompt=2), runner_for(FakeEngine())))
    for index in (1, 2):
        inputs = make_inputs(suite, variants_per_prompt=2, shard=f"{index}/2")
        write_artifact(root / f"shard{index}.json", run_baseline(inputs, runner_for(FakeEngine())))
    write_artifact(root / "before.json", fragile_run())
    write_artifact(root / "after.json", robust_run())
    assert run(["analyze", str(root / "baseline.json"), "-o", str(root / "analysis.json")]) == 0
    validation = ["validate", "--before", str(root / "before.json"), "--after", str(root / "after.json")]
    assert run([*validation, "-o", str(root / "validation.json")]) in (0, 1, 3)
    (root / "empty.json").write_bytes(b"")
    (root / "notjson.json").write_bytes(b"{not json at all")
    (root / "binary.bin").write_bytes(bytes(range(256)) * 4)
    (root / "truncated.json").write_bytes((root / "baseline.json").read_bytes()[:500])
    (root / "newer.json").write_bytes(orjson.dumps({"kind": "baseline", "schema_version": 99}))
    (root / "program_kind.json").write_bytes(orjson.dumps({"kind": "program", "schema_version": 1}))
    (root / "not_ir.json").write_bytes(orjson.dumps({"signature": 3}))
    (root / "badlines.jsonl").write_bytes(_bad_suite_lines())
    (root / "notgguf.gguf").write_bytes(b"this is not a model")
    (root / "adir").mkdir()
    (root / "afile").write_bytes(b"a plain file\n")
    (root / "corpus_programs.py").write_text(PROGRAMS_MODULE)
    (root / "corpus_import_fails.py").write_text("raise RuntimeError('this module fails on import')\n")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus-template")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        _make_template(root)
    return root


# --- setups a case may need beyond the template ----------------------------------------------------------


def _immutable(path: Path) -> Callable[[], None] | None:
    """Make ``path`` unwritable even for root (chattr +i); None if the file system cannot."""
    if os.geteuid() != 0:
        path.chmod(0o555)
        return lambda: path.chmod(0o755)
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False).returncode:
        return None
    return lambda: subprocess.run(["chattr", "-i", str(path)], check=True)


def read_only(ws: Path, stack: ExitStack) -> None:
    (ws / "ro").mkdir()
    undo = _immutable(ws / "ro")
    if undo is None:
        pytest.skip("cannot make a read-only directory here")
    stack.callback(undo)


def unreadable(ws: Path, stack: ExitStack) -> None:
    """A file the system refuses to read: mode 000 for a user, a symlink loop for root (who reads anything)."""
    target = ws / "unreadable.json"
    if os.geteuid() != 0:
        target.write_bytes(b"{}")
        target.chmod(0)
        stack.callback(lambda: target.chmod(0o644))
    else:
        target.symlink_to(ws / "unreadable.json")


def suite_symlink(ws: Path, stack: ExitStack) -> None:
    (ws / "suite_link.jsonl").symlink_to(ws / "suite.jsonl")


def suite_hardlink(ws: Path, stack: ExitStack) -> None:
    os.link(ws / "suite.jsonl", ws / "suite_hard.jsonl")


def baseline_symlink(ws: Path, stack: ExitStack) -> None:
    (ws / "baseline_link.json").symlink_to(ws / "baseline.json")


def holding(name: str) -> Callable[[Path, ExitStack], None]:
    """Another writer holds the lock of ``ws/name`` for the whole case."""
    return lambda ws, stack: stack.enter_context(locked(ws / name))


def live_checkpoint(ws: Path, stack: ExitStack) -> None:
    """A run on out.json is under way: its lock is held and its checkpoint holds finished units."""
    (ws / "out.json.checkpoint.jsonl").write_bytes(b'{"checkpoint_of": "baseline", "fingerprint": "f"}\n{"key": "k"}\n')
    stack.enter_context(locked(ws / "out.json"))


def pyproject(text: str) -> Callable[[Path, ExitStack], None]:
    return lambda ws, stack: (ws / "pyproject.toml").write_bytes(text.encode("utf-8", "surrogateescape"))


def env(name: str, value: str) -> Callable[[Path, ExitStack], None]:
    def setup(ws: Path, stack: ExitStack) -> None:
        previous = os.environ.get(name)
        os.environ[name] = value
        stack.callback(lambda: os.environ.pop(name) if previous is None else os.environ.update({name: previous}))

    return setup


@dataclass(frozen=True)
class Case:
    """A command line (``{name}`` is ``ws/name``), its exit code and a piece of its message."""

    id: str
    command: str
    expect: str
    code: int = USAGE
    setup: Callable[[Path, ExitStack], None] | None = None
    usage: bool = False  # refused by the option parser itself (one line too, naming the option, variable or key)
    listing: bool = False  # `suite validate`: one line per bad line of the file, then a count

    def argv(self, ws: Path) -> list[str]:
        return [PLACEHOLDER.sub(lambda match: str(ws / match.group(1)), word) for word in shlex.split(self.command)]


PLACEHOLDER = re.compile(r"\{([^}]+)\}")


B = "baseline --suite {suite.jsonl}"
I2C = "ir-to-code --suite {suite.jsonl} --code-generator templated"
E2E = "end-to-end --suite {suite.jsonl} --code-generator templated"
AUG = "augment --suite {suite.jsonl}"
OPT = "optimize --suite {suite.jsonl}"
VAL = "validate --before {before.json} --after {after.json}"

PATHS = [
    # inputs that are not there, are a directory, cannot be read, or lie beyond a file
    Case("baseline-suite-missing", "baseline --suite {missing.jsonl} -o {out.json}", "suite file not found"),
    Case("baseline-suite-directory", "baseline --suite {adir} -o {out.json}", "got a directory"),
    Case("baseline-suite-unreadable", "baseline --suite {unreadable.json} -o {out.json}", "cannot read", setup=unreadable),
    Case("baseline-suite-through-file", "baseline --suite {afile}/s.jsonl -o {out.json}", "cannot read"),
    Case("baseline-split-from-missing", B + " --split-from {missing.json} -o {out.json}", "not found"),
    Case("baseline-program-file-missing", B + " --program {missing.json} -o {out.json}", "not found"),
    Case("baseline-model-file-missing", B + " --model local:{missing.gguf} -o {out.json}", "model file not found"),
    Case("analyze-missing", "analyze {missing.json} -o {out.json}", "not found"),
    Case("analyze-directory", "analyze {adir} -o {out.json}", "got a directory"),
    Case("analyze-unreadable", "analyze {unreadable.json} -o {out.json}", "cannot read", setup=unreadable),
    Case("analyze-through-file", "analyze {afile}/b.json -o {out.json}", "cannot read"),
    Case("report-missing", "report {missing.json} -o {out.md}", "not found"),
    Case("report-directory", "report {adir} -o {out.md}", "got a directory"),
    Case("merge-shard-missing", "merge {shard1.json} {missing.json} -o {out.json}", "not found"),
    Case("merge-shard-directory", "merge {shard1.json} {adir} -o {out.json}", "got a directory"),
    Case("validate-after-missing", "validate --after {missing.json} -o {out.json}", "not found"),
    Case("validate-before-directory", "validate --before {adir} --after {after.json} -o {out.json}", "got a directory"),
    Case("compare-ir-missing", "compare-ir {missing.json} {not_ir.json}", "IR file not found"),
    Case("compare-ir-directory", "compare-ir {adir} {not_ir.json}", "got a directory"),
    Case("suite-validate-missing", "suite validate {missing.jsonl}", "not found"),
    Case("suite-mark-names-missing", "suite mark-names {missing.jsonl} -o {m.jsonl}", "not found"),
    Case("suite-validate-directory", "suite validate {adir}", "got a directory"),
    Case("ir-to-code-suite-missing", "ir-to-code --suite {missing.jsonl} -o {out.json}", "suite file not found"),
    Case("end-to-end-from-baseline-missing", E2E + " --from-baseline {missing.json} -o {out.json}", "not found"),
    Case("augment-suite-missing", "augment --suite {missing.jsonl} -o {out.jsonl}", "not found"),
    Case("optimize-suite-missing", "optimize --suite {missing.jsonl} -o {out.json}", "not found"),
    Case("optimize-trainset-missing", OPT + " --trainset {missing.jsonl} -o {out.json}", "not found"),
    # outputs that cannot be written: a directory, a path through a file, a read-only directory
    Case("baseline-output-directory", B + " -o {adir}", "it is a directory"),
    Case("baseline-output-directory-restart", B + " -o {adir} --restart", "it is a directory"),
    Case("baseline-output-through-file", B + " -o {afile}/b.json", "afile is a file, not a directory"),
    Case("baseline-output-read-only", B + " -o {ro}/b.json", "cannot write", setup=read_only),
    Case("analyze-output-directory", "analyze {baseline.json} -o {adir}", "it is a directory"),
    Case("analyze-output-through-file", "analyze {baseline.json} -o {afile}/a.json", "afile is a file, not a directory"),
    Case("analyze-output-read-only", "analyze {baseline.json} -o {ro}/a.json", "cannot write", setup=read_only),
    Case("report-output-directory", "report {analysis.json} -o {adir}", "it is a directory"),
    Case("report-html-through-file", "report {analysis.json} -o {r.md} --html {afile}/r.html", "afile is a file, not a"),
    Case("report-html-read-only", "report {analysis.json} -o {r.md} --html {ro}/r.html", "cannot write", setup=read_only),
    Case("report-issues-dir-is-file", "report {analysis.json} -o {r.md} --issues-dir {afile}", "cannot write"),
    Case("report-issues-dir-read-only", "report {analysis.json} -o {r.md} --issues-dir {ro}/i", "cannot write",
         setup=read_only),
    Case("merge-output-directory", "merge {shard1.json} {shard2.json} -o {adir}", "it is a directory"),
    Case("merge-output-read-only", "merge {shard1.json} {shard2.json} -o {ro}/m.json", "cannot write", setup=read_only),
    Case("validate-output-directory", VAL + " -o {adir}", "it is a directory"),
    Case("validate-output-through-file", VAL + " -o {afile}/v.json", "afile is a file, not a directory"),
    Case("validate-output-read-only", VAL + " -o {ro}/v.json", "cannot write", setup=read_only),
    Case("suite-mark-names-output-directory", "suite mark-names {suite.jsonl} -o {adir}", "it is a directory"),
    Case("suite-mark-names-output-read-only", "suite mark-names {suite.jsonl} -o {ro}/m.jsonl", "cannot write",
         setup=read_only),
    Case("suite-import-output-directory", "suite import humaneval --limit 1 -o {adir}", "it is a directory"),
    Case("suite-import-output-through-file", "suite import humaneval --limit 1 -o {afile}/h.jsonl", "afile is a file"),
    Case("suite-import-output-read-only", "suite import humaneval --limit 1 -o {ro}/h.jsonl", "cannot write",
         setup=read_only),
    Case("augment-output-directory", AUG + " -o {adir}", "it is a directory"),
    Case("augment-output-read-only", AUG + " -o {ro}/a.jsonl", "cannot write", setup=read_only),
    Case("ir-to-code-output-directory", I2C + " -o {adir}", "it is a directory"),
    Case("ir-to-code-output-through-file", I2C + " -o {afile}/c.json", "afile is a file, not a directory"),
    Case("ir-to-code-output-read-only", I2C + " -o {ro}/c.json", "cannot write", setup=read_only),
    Case("end-to-end-output-directory", E2E + " -o {adir}", "it is a directory"),
    Case("optimize-output-directory", OPT + " -o {adir}", "it is a directory"),
    Case("optimize-output-through-file", OPT + " -o {afile}/p.json", "afile is a file, not a directory"),
    Case("optimize-output-read-only", OPT + " -o {ro}/p.json", "cannot write", setup=read_only),
]

SAME_FILE = [
    # an output that is one of the command's own inputs, under its name or another
    Case("baseline-output-is-suite", B + " -o {suite.jsonl}", "is the input suite"),
    Case("baseline-output-is-suite-restart", B + " -o {suite.jsonl} --restart", "is the input suite"),
    Case("baseline-output-is-suite-dry-run", B + " -o {suite.jsonl} --dry-run", "is the input suite"),
    Case("baseline-output-is-suite-symlink", B + " -o {suite_link.jsonl}", "is the input suite", setup=suite_symlink),
    Case("baseline-output-is-suite-hardlink", B + " -o {suite_hard.jsonl}", "is the input suite", setup=suite_hardlink),
    Case("baseline-output-is-suite-relative", "baseline --suite suite.jsonl -o ./sub/../suite.jsonl", "input suite"),
    Case("baseline-output-is-split-from", "baseline --split-from {program.json} -o {program.json}", "--split-from"),
    Case("baseline-output-is-program-file", "baseline --program {program.json} -o {program.json}", "--program file"),
    Case("analyze-output-is-input", "analyze {baseline.json} -o {baseline.json}", "is the input baseline"),
    Case("analyze-output-is-input-symlink", "analyze {baseline.json} -o {baseline_link.json}", "input baseline",
         setup=baseline_symlink),
    Case("report-output-is-input", "report {analysis.json} -o {analysis.json}", "is an input artifact"),
    Case("report-html-is-input", "report {analysis.json} -o {r.md} --html {analysis.json}", "is an input artifact"),
    Case("report-html-is-output", "report {analysis.json} -o {r.md} --html {r.md}", "are the same file"),
    Case("report-stages-output-is-input", "report {baseline.json} {shard1.json} -o {shard1.json}", "input artifact"),
    Case("report-validation-output-is-input", "report {validation.json} -o {validation.json}", "input artifact"),
    Case("merge-output-is-shard", "merge {shard1.json} {shard2.json} -o {shard1.json}", "is a shard"),
    Case("merge-output-is-suite", "merge {shard1.json} {shard2.json} --suite {suite.jsonl} -o {suite.jsonl}",
         "is the input suite"),
    Case("merge-output-is-recorded-suite", "merge {shard1.json} {shard2.json} -o {suite.jsonl}", "shards' suite"),
    Case("validate-output-is-after", VAL + " -o {after.json}", "is the --after baseline"),
    Case("validate-output-is-before", VAL + " -o {before.json}", "is the --before baseline"),
    Case("suite-mark-names-output-is-input", "suite mark-names {suite.jsonl} -o {suite_link.jsonl}", "input suite",
         setup=suite_symlink),
    Case("ir-to-code-output-is-suite", I2C + " -o {suite.jsonl}", "is the input suite"),
    Case("end-to-end-output-is-from-baseline", E2E + " --from-baseline {baseline.json} -o {baseline.json}",
         "--from-baseline"),
    Case("augment-output-is-suite", AUG + " -o {suite.jsonl}", "is the input suite"),
    Case("augment-summary-is-suite", AUG + " -o {a.jsonl} --summary {suite.jsonl}", "is the input suite"),
    Case("augment-summary-is-output", AUG + " -o {a.jsonl} --summary {a.jsonl}", "are the same file"),
    Case("optimize-output-is-suite", OPT + " -o {suite.jsonl}", "is the input suite"),
    Case("optimize-output-is-trainset", OPT + " --trainset {train.jsonl} -o {train.jsonl}", "--trainset"),
    Case("optimize-output-is-program-file", OPT + " --program {program.json} -o {program.json}", "--program file"),
    Case("end-to-end-output-is-program-file", E2E + " --program {program.json} -o {program.json}", "--program file"),
    Case("augment-output-is-program-file", AUG + " --program {program.json} -o {program.json}", "--program file"),
]

BUSY_OUTPUTS = [
    # a second process on an output another one is writing: refused at once, exit 4, nothing touched
    Case("baseline-output-busy", B + " -o {out.json}", "another tokdrift process", BUSY, holding("out.json")),
    Case("baseline-restart-keeps-live-checkpoint", B + " -o {out.json} --restart", "another tokdrift process", BUSY,
         live_checkpoint),
    Case("analyze-output-busy", "analyze {baseline.json} -o {out.json}", "another tokdrift", BUSY, holding("out.json")),
    Case("report-output-busy", "report {analysis.json} -o {r.md}", "another tokdrift process", BUSY, holding("r.md")),
    Case("report-html-busy", "report {analysis.json} -o {r.md} --html {r.html}", "another tokdrift", BUSY,
         holding("r.html")),
    Case("merge-output-busy", "merge {shard1.json} {shard2.json} -o {out.json}", "another tokdrift", BUSY,
         holding("out.json")),
    Case("validate-output-busy", VAL + " -o {out.json}", "another tokdrift process", BUSY, holding("out.json")),
    Case("augment-output-busy", AUG + " -o {out.jsonl}", "another tokdrift process", BUSY, holding("out.jsonl")),
    Case("ir-to-code-output-busy", I2C + " -o {out.json}", "another tokdrift process", BUSY, holding("out.json")),
    Case("optimize-output-busy", OPT + " -o {out.json}", "another tokdrift process", BUSY, holding("out.json")),
    Case("suite-mark-names-output-busy", "suite mark-names {suite.jsonl} -o {m.jsonl}", "another tokdrift", BUSY,
         holding("m.jsonl")),
    Case("suite-import-output-busy", "suite import humaneval --limit 1 -o {h.jsonl}", "another tokdrift", BUSY,
         holding("h.jsonl")),
]

FILES = [
    Case("baseline-suite-empty", "baseline --suite {empty.json} -o {out.json}", "no cases"),
    Case("baseline-suite-not-json", "baseline --suite {notjson.json} -o {out.json}", "line 1"),
    Case("baseline-suite-binary", "baseline --suite {binary.bin} -o {out.json}", "line 1: not valid JSON"),
    Case("baseline-suite-bad-lines", "baseline --suite {badlines.jsonl} -o {out.json}", "line 2"),
    Case("baseline-output-foreign-file", B + " -o {notjson.json}", "not valid JSON"),
    Case("baseline-output-newer-schema", B + " -o {newer.json}", "upgrade tokdrift"),
    Case("baseline-split-from-wrong-kind", B + " --split-from {baseline.json} -o {out.json}", "'program' artifact"),
    Case("baseline-program-file-wrong-kind", B + " --program {baseline.json} -o {out.json}", "program"),
    Case("suite-validate-bad-lines", "suite validate {badlines.jsonl}", "3 bad line(s)", listing=True),
    Case("suite-validate-binary", "suite validate {binary.bin}", "0 good case(s)", listing=True),
    Case("suite-mark-names-bad-lines", "suite mark-names {badlines.jsonl} -o {m.jsonl}", "line 2"),
    Case("analyze-empty", "analyze {empty.json} -o {out.json}", "not valid JSON"),
    Case("analyze-not-json", "analyze {notjson.json} -o {out.json}", "not valid JSON"),
    Case("analyze-wrong-kind", "analyze {analysis.json} -o {out.json}", "'analysis' artifact"),
    Case("analyze-newer-schema", "analyze {newer.json} -o {out.json}", "upgrade tokdrift"),
    Case("analyze-truncated", "analyze {truncated.json} -o {out.json}", "not valid JSON"),
    Case("analyze-binary", "analyze {binary.bin} -o {out.json}", "not valid JSON"),
    Case("report-empty", "report {empty.json} -o {out.md}", "not valid JSON"),
    Case("report-newer-schema", "report {newer.json} -o {out.md}", "upgrade tokdrift"),
    Case("report-wrong-kind", "report {program_kind.json} -o {out.md}", "'program' artifact"),
    Case("report-truncated", "report {truncated.json} -o {out.md}", "not valid JSON"),
    Case("report-mixed-kinds", "report {analysis.json} {baseline.json} -o {out.md}", "takes one analysis"),
    Case("merge-wrong-kind", "merge {analysis.json} -o {out.json}", "'analysis' artifact"),
    Case("merge-truncated", "merge {shard1.json} {truncated.json} -o {out.json}", "not valid JSON"),
    Case("merge-one-shard-missing", "merge {shard1.json} -o {out.json}", "missing shard"),
    Case("validate-after-wrong-kind", "validate --after {analysis.json} -o {out.json}", "'analysis' artifact"),
    Case("validate-after-newer-schema", "validate --after {newer.json} -o {out.json}", "upgrade tokdrift"),
    Case("validate-before-truncated", "validate --before {truncated.json} --after {after.json} -o {out.json}",
         "not valid JSON"),
    Case("compare-ir-not-json", "compare-ir {notjson.json} {not_ir.json}", "not valid JSON"),
    Case("compare-ir-binary", "compare-ir {binary.bin} {not_ir.json}", "not valid JSON"),
    Case("compare-ir-not-an-ir", "compare-ir {not_ir.json} {not_ir.json}", "not_ir.json"),
    Case("end-to-end-from-baseline-wrong-kind", E2E + " --from-baseline {analysis.json} -o {out.json}",
         "'analysis' artifact"),
    Case("augment-suite-bad-lines", "augment --suite {badlines.jsonl} -o {out.jsonl}", "line 2"),
    Case("optimize-trainset-binary", OPT + " --trainset {binary.bin} -o {out.json}", "line 1: not valid JSON"),
]

OPTIONS = [
    Case("baseline-variants-negative", B + " --variants -1", "--variants", usage=True),
    Case("baseline-variants-too-many", B + " --variants 51", "--variants", usage=True),
    Case("baseline-temperature-out-of-range", B + " --temperature 3", "--temperature", usage=True),
    Case("baseline-max-tokens-too-small", B + " --max-tokens 1", "--max-tokens", usage=True),
    Case("baseline-workers-zero", B + " --workers 0", "--workers", usage=True),
    Case("baseline-limit-zero", B + " --limit 0", "--limit", usage=True),
    Case("baseline-shard-zero", B + " --shard 0/2 -o {out.json}", "shard"),
    Case("baseline-shard-beyond", B + " --shard 3/2 -o {out.json}", "shard"),
    Case("baseline-shard-not-a-spec", B + " --shard abc -o {out.json}", "shard"),
    Case("baseline-split-bad-enum", B + " --split bogus", "--split", usage=True),
    Case("baseline-shard-with-update", B + " --shard 1/2 --update-baseline -o {out.json}", "--update-baseline"),
    Case("baseline-old-stage-option", B + " --stage ir-to-code", "command of its own"),
    Case("baseline-unknown-option", B + " --no-such-option", "No such option", usage=True),
    Case("unknown-command", "no-such-command", "No such command", usage=True),
    Case("analyze-threshold-out-of-range", "analyze {baseline.json} --threshold 1.5", "--threshold", usage=True),
    Case("analyze-confidence-out-of-range", "analyze {baseline.json} --confidence 0.2", "--confidence", usage=True),
    Case("analyze-format-bad-enum", "analyze {baseline.json} --format yaml", "--format", usage=True),
    Case("report-validation-with-html", "report {validation.json} -o {r.md} --html {r.html}", "--html"),
    Case("report-no-artifact", "report -o {r.md}", "no artifact given"),  # artifacts are optional beside --history
    Case("validate-fail-under-out-of-range", VAL + " --fail-under 2 -o {out.json}", "--fail-under", usage=True),
    Case("validate-alpha-zero", VAL + " --alpha 0 -o {out.json}", "--alpha", usage=True),
    Case("validate-gate-on-bad-enum", VAL + " --gate-on median -o {out.json}", "--gate-on", usage=True),
    Case("validate-min-fixed-negative", VAL + " --min-fixed -1 -o {out.json}", "--min-fixed", usage=True),
    Case("validate-no-after", "validate -o {out.json}", "--after", usage=True),
    Case("variants-count-zero", "variants hello --count 0", "--count", usage=True),
    Case("variants-unknown-rule", "variants hello --rule no.such.rule", "unknown rule id"),
    Case("augment-factor-zero", AUG + " --factor 0 -o {out.jsonl}", "--factor", usage=True),
    Case("augment-verify-bad-enum", AUG + " --verify vibes -o {out.jsonl}", "--verify", usage=True),
    Case("optimize-optimizer-bad-enum", OPT + " --optimizer nope -o {out.json}", "--optimizer", usage=True),
    Case("optimize-dev-share-out-of-range", OPT + " --dev-share 0.9 -o {out.json}", "--dev-share", usage=True),
    Case("optimize-base-demos-first-alone", OPT + " --base-demos-first -o {out.json}", "--keep-base-demos"),
    Case("ir-to-code-shard", I2C + " --shard 1/2 -o {out.json}", "No such option", usage=True),
    Case("end-to-end-code-generator-bad-enum", "end-to-end --code-generator bogus", "--code-generator", usage=True),
    Case("compare-ir-one-argument", "compare-ir {not_ir.json}", "Missing argument", usage=True),
]

CONFIG = [
    # [tool.tokdrift] in the working directory's pyproject.toml, and TOKDRIFT_* variables
    Case("pyproject-variants-not-a-number", B + " -o {out.json}", "[tool.tokdrift] variants = 'many'", setup=pyproject(
        '[tool.tokdrift]\nvariants = "many"\n'), usage=True),
    Case("pyproject-temperature-out-of-range", B + " -o {out.json}", "[tool.tokdrift.commands.baseline] temperature = 5",
         setup=pyproject("[tool.tokdrift.commands.baseline]\ntemperature = 5\n"), usage=True),
    Case("pyproject-typo", B + " -o {out.json}", "has no setting 'temprature'; did you mean 'temperature'?",
         setup=pyproject("[tool.tokdrift]\ntemprature = 0.5\n")),
    Case("pyproject-command-typo", B + " -o {out.json}", "[tool.tokdrift.commands] has no setting 'basline'",
         setup=pyproject("[tool.tokdrift.commands.basline]\nvariants = 2\n")),
    Case("pyproject-old-command-table", B + " -o {out.json}", "go in [tool.tokdrift.commands.baseline]",
         setup=pyproject("[tool.tokdrift.baseline]\nvariants = 2\n")),
    Case("pyproject-alpha-not-a-number", VAL + " -o {out.json}", "[tool.tokdrift.commands.validate] alpha = 'x'",
         setup=pyproject('[tool.tokdrift.commands.validate]\nalpha = "x"\n'), usage=True),
    Case("env-max-accuracy-drop-not-a-number", VAL + " -o {out.json}", "TOKDRIFT_MAX_ACCURACY_DROP='lots'",
         setup=env("TOKDRIFT_MAX_ACCURACY_DROP", "lots"), usage=True),
    Case("env-min-fixed-negative", VAL + " -o {out.json}", "TOKDRIFT_MIN_FIXED='-1'",
         setup=env("TOKDRIFT_MIN_FIXED", "-1"), usage=True),
    Case("pyproject-invalid-toml", B + " -o {out.json}", "not valid TOML", setup=pyproject("[tool.tokdrift\n")),
    Case("pyproject-tokdrift-not-a-table", B + " -o {out.json}", "must be a table", setup=pyproject(
        "[tool]\ntokdrift = 3\n")),
    Case("pyproject-command-not-a-table", B + " -o {out.json}", "must be a table", setup=pyproject(
        "[tool.tokdrift.commands]\nbaseline = 5\n")),
    Case("pyproject-not-utf8", B + " -o {out.json}", "not valid TOML", setup=pyproject(
        '[tool.tokdrift]\nmodel = "caf\udce9"\n')),
    Case("pyproject-fail-under-not-a-number", VAL + " -o {out.json}", "fail-under = 'lots'", setup=pyproject(
        '[tool.tokdrift.commands.validate]\nfail-under = "lots"\n'), usage=True),
    Case("pyproject-model-unknown", B + " -o {out.json}", "unknown model", setup=pyproject(
        '[tool.tokdrift]\nmodel = "gpt4"\n')),
    Case("pyproject-shard-bad", B + " -o {out.json}", "shard", setup=pyproject('[tool.tokdrift]\nshard = "5/2"\n')),
    Case("env-variants-not-a-number", B + " -o {out.json}", "TOKDRIFT_VARIANTS", setup=env(
        "TOKDRIFT_VARIANTS", "many"), usage=True),
    Case("env-temperature-negative", B + " -o {out.json}", "TOKDRIFT_TEMPERATURE", setup=env(
        "TOKDRIFT_TEMPERATURE", "-1"), usage=True),
    Case("env-workers-zero", B + " -o {out.json}", "TOKDRIFT_WORKERS", setup=env("TOKDRIFT_WORKERS", "0"), usage=True),
    Case("env-seed-not-a-number", B + " -o {out.json}", "TOKDRIFT_SEED", setup=env("TOKDRIFT_SEED", "abc"), usage=True),
    Case("env-shard-beyond", B + " -o {out.json}", "shard", setup=env("TOKDRIFT_SHARD", "9/2")),
    Case("env-model-unknown", B + " -o {out.json}", "unknown model", setup=env("TOKDRIFT_MODEL", "gpt4")),
    Case("env-suite-missing", "baseline -o {out.json}", "suite file not found", setup=env(
        "TOKDRIFT_SUITE", "/nonexistent/suite.jsonl")),
    Case("env-fail-under-not-a-number", VAL + " -o {out.json}", "TOKDRIFT_FAIL_UNDER", setup=env(
        "TOKDRIFT_FAIL_UNDER", "high"), usage=True),
    Case("env-threshold-out-of-range", "analyze {baseline.json} -o {out.json}", "TOKDRIFT_THRESHOLD", setup=env(
        "TOKDRIFT_THRESHOLD", "2"), usage=True),
    Case("env-program-malformed", B + " -o {out.json}", "use 'default'", setup=env("TOKDRIFT_PROGRAM", "nocolon")),
    Case("env-model-not-utf8", B + " -o {out.json}", "TOKDRIFT_MODEL is not valid UTF-8", setup=env(
        "TOKDRIFT_MODEL", "caf\udce9")),
]

PROGRAMS = [
    Case("program-missing-module", B + " --program no_such_module_xyz:build -o {out.json}", "cannot import"),
    Case("program-missing-attribute", B + " --program corpus_programs:nothing -o {out.json}", "has no attribute"),
    Case("program-not-module-not-factory", B + " --program corpus_programs:VALUE -o {out.json}", "neither"),
    Case("program-factory-returns-text", B + " --program corpus_programs:returns_text -o {out.json}",
         "expected a dspy.Module"),
    Case("program-factory-raises", B + " --program corpus_programs:raises -o {out.json}", "could not build"),
    Case("program-module-fails-on-import", B + " --program corpus_import_fails:build -o {out.json}", "corpus_import"),
    Case("program-spec-malformed", B + " --program nocolon -o {out.json}", "use 'default'"),
    Case("end-to-end-program-missing-module", E2E + " --program no_such_module_xyz:build -o {out.json}",
         "cannot import"),
    Case("augment-program-missing-attribute", AUG + " --program corpus_programs:nothing -o {out.jsonl}",
         "has no attribute"),
    Case("optimize-program-not-ir-generator", OPT + " --program corpus_programs:other_module -o {out.json}",
         "tunes tokdrift's IR generator"),
]

PROVIDERS = [
    Case("model-no-provider", B + " --model gpt4 -o {out.json}", "unknown model 'gpt4'"),
    Case("model-unknown-provider", B + " --model nosuchprovider/x -o {out.json}", "unknown model provider"),
    Case("model-empty-name", B + " --model openai/ -o {out.json}", "unknown model"),
    Case("model-empty-provider", B + " --model /gpt -o {out.json}", "unknown model provider"),
    Case("model-file-not-gguf", B + " --model local:{notgguf.gguf} -o {out.json}", "not a GGUF"),
    Case("model-file-directory", B + " --model local:{adir} -o {out.json}", "not a file"),
    Case("ir-to-code-model-unknown", "ir-to-code --suite {suite.jsonl} --model gpt4 -o {out.json}", "unknown model"),
    Case("end-to-end-model-unknown-provider", E2E + " --model nosuch/x -o {out.json}", "unknown model provider"),
    Case("augment-paraphrase-model-unknown", AUG + " --paraphrase-model gpt4 -o {out.jsonl}", "unknown model"),
    Case("optimize-prompt-model-unknown", OPT + " --prompt-model bogus/x -o {out.json}", "unknown model provider"),
]

UNDECODABLE = [
    # bytes that are not UTF-8 on the command line (Python passes them on as lone surrogates)
    Case("variants-prompt-not-utf8", "variants caf\udce9", "argument 2 is not valid UTF-8"),
    Case("baseline-suite-path-not-utf8", "baseline --suite caf\udce9.jsonl", "is not valid UTF-8"),
    Case("analyze-path-not-utf8", "analyze caf\udce9.json", "is not valid UTF-8"),
    Case("report-output-not-utf8", "report {analysis.json} -o caf\udce9.md", "is not valid UTF-8"),
]

CASES = PATHS + SAME_FILE + BUSY_OUTPUTS + FILES + OPTIONS + CONFIG + PROGRAMS + PROVIDERS + UNDECODABLE




def snapshot(root: Path) -> dict[str, tuple[int, bytes | str]]:
    """Every entry under ``root`` (but Python's bytecode caches): its mode and its bytes or link target."""
    entries: dict[str, tuple[int, bytes | str]] = {}
    for path in sorted(root.rglob("*")):
        if "__pycache__" in path.parts:
            continue
        info = path.lstat()
        if path.is_symlink():
            entries[str(path.relative_to(root))] = (info.st_mode, os.readlink(path))
        elif path.is_file():
            entries[str(path.relative_to(root))] = (info.st_mode, path.read_bytes())
        else:
            entries[str(path.relative_to(root))] = (info.st_mode, "")
    return entries


@pytest.fixture(autouse=True)
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """`--model local` answers from the fake engine; no weights are hashed or loaded."""
    from tokdrift_cli.engines import llama_engine

    fake = FakeEngine()
    monkeypatch.setattr(llama_engine, "weights_fingerprint", lambda path: "0123456789abcdef")
    monkeypatch.setattr(llama_engine.LlamaCppEngine, "load", lambda self: None)
    monkeypatch.setattr(llama_engine.LlamaCppEngine, "complete", lambda self, request: fake.complete(request))
    monkeypatch.setattr(llama_engine.LlamaCppEngine, "stream", lambda self, request: fake.stream(request))


@pytest.fixture
def workspace(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    ws = tmp_path / "ws"
    shutil.copytree(template, ws, symlinks=True)
    monkeypatch.chdir(ws)
    monkeypatch.setattr(sys, "path", list(sys.path))  # --program module:attr puts the working directory on it
    for name in [name for name in os.environ if name.startswith("TOKDRIFT_")]:
        monkeypatch.delenv(name)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    yield ws
    for name in [name for name in sys.modules if name.startswith("corpus_")]:
        del sys.modules[name]


def _message(stderr: str, case: Case) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    if case.listing:
        assert all(": line " in line or ":line " in line for line in lines[:-1]), stderr
        assert lines[-1].endswith("good case(s)"), stderr
    else:
        assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[-1]


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in CASES])
def test_bad_input_is_one_line_with_its_exit_code_and_writes_nothing(
    case: Case, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with ExitStack() as stack:
        if case.setup is not None:
            case.setup(workspace, stack)
        before = snapshot(workspace)
        capsys.readouterr()
        code = run(case.argv(workspace))
        stderr = capsys.readouterr().err
        after = snapshot(workspace)
    assert code == case.code, stderr
    assert case.expect in _message(stderr, case)
    assert after == before, "the workspace changed"


def test_the_corpus_is_large_and_every_case_is_named_once() -> None:
    assert len(CASES) >= 100
    assert len({case.id for case in CASES}) == len(CASES)
