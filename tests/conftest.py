from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

REPO = Path(__file__).resolve().parent.parent
MINI_SUITE = REPO / "tokdrift_cli" / "data" / "suites" / "mini.jsonl"


@pytest.fixture
def mini_suite_path() -> Path:
    return MINI_SUITE
