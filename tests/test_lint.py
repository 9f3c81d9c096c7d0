"""The code stays ruff- and `mypy --strict`-clean: part of `make test`, so CI enforces it."""

from __future__ import annotations

import subprocess

from conftest import BIN, REPO


def test_ruff_clean() -> None:
    proc = subprocess.run([str(BIN / "ruff"), "check", "krm_fn", "tests", "bench"], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_strict_clean() -> None:
    proc = subprocess.run([str(BIN / "mypy"), "krm_fn"], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
