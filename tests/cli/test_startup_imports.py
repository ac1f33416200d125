"""`tokdrift --help` must not pay for the model stack: heavy libraries load only when a command runs."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("dspy", "llama_cpp", "scipy", "litellm")


def _modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint('=== modules ===')\nprint('\\n'.join(sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(done.stdout.split("=== modules ===")[-1].split())


def test_importing_the_cli_loads_no_heavy_library() -> None:
    loaded = _modules_after("import tokdrift_cli.cli.app")
    assert "typer" in loaded  # the probe really imported the CLI
    assert not {name for name in loaded if name.split(".")[0] in HEAVY}


def test_help_of_every_command_loads_no_heavy_library() -> None:
    code = (
        "from tokdrift_cli.cli.app import run\n"
        "for command in ['baseline', 'ir-to-code', 'end-to-end', 'analyze', 'report', 'validate', 'optimize', 'augment', 'variants', 'compare-ir']:\n"
        "    assert run([command, '--help']) == 0\n"
    )
    loaded = _modules_after(code)
    assert "tokdrift_cli.cli.commands.baseline" in loaded
    assert not {name for name in loaded if name.split(".")[0] in HEAVY}
