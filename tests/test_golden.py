"""Golden cases in testdata/: each directory holds input.yaml, a README.md that says what to
expect, and either expected.yaml (the exact stdout) or expected-error.txt (lines that must appear
on stderr; exit 1, no items). Every case runs twice: the second run takes the first run's output
and must change nothing.

Regenerate after a reviewed behaviour change with SECRET_SYNC_UPDATE_GOLDEN=1, then read the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from conftest import REPO, SHARED, eso_schema_errors, run_fn

from krm_fn import validation

CASES = sorted(p.parent for p in (REPO / "testdata").rglob("input.yaml"))
UPDATE = os.environ.get("SECRET_SYNC_UPDATE_GOLDEN") == "1"


def test_every_case_is_explained() -> None:
    assert CASES
    for case in CASES:
        assert (case / "README.md").is_file(), f"{case} needs a README.md saying what to expect"
        assert (case / "expected.yaml").is_file() or (case / "expected-error.txt").is_file() or UPDATE


@pytest.mark.parametrize("case", CASES, ids=[str(c.relative_to(REPO / "testdata")) for c in CASES])
def test_golden(case: Path) -> None:
    source = (case / "input.yaml").read_bytes()
    first = run_fn(source)
    error_file = case / "expected-error.txt"
    if error_file.is_file():
        assert first.returncode == 1
        for line in error_file.read_text().splitlines():
            assert line in first.stderr
        assert first.items == []
        assert "Traceback" not in first.stderr
        return
    assert first.returncode == 0, first.stderr
    expected = case / "expected.yaml"
    if UPDATE:
        expected.write_text(first.stdout)
    assert first.stdout == expected.read_text()
    for obj in first.items:
        if obj["apiVersion"] == "external-secrets.io/v1":
            assert validation.check(obj) == [], obj["metadata"]["name"]
            if (SHARED / "schemas" / "eso").is_dir():  # CI has ../shared; a user's clone may not
                assert eso_schema_errors(obj) == [], obj["metadata"]["name"]
    second = run_fn(first.stdout)
    assert second.returncode == 0, second.stderr
    assert yaml.safe_load(second.stdout)["items"] == first.items, "second run changed items"


def test_literal_value_never_printed() -> None:
    case = REPO / "testdata" / "literal-value-error"
    proc = run_fn((case / "input.yaml").read_bytes())
    assert "do-not-print-me" not in proc.stdout + proc.stderr
