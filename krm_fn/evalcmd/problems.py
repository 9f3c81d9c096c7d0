"""How eval reports: every result from the function or from eval itself goes to stderr, one line each.

Unlike the KRM function, which leaves infos to kpt, eval prints infos too: they are notes the person
running the migration needs, such as the KES cut-over note.
"""

from __future__ import annotations

import sys

from ..results import FileRef, FunctionError, Result, error


def report(results: list[Result]) -> None:
    for r in results:
        sys.stderr.write(f"secret-sync: {r.describe()}\n")


def fail(message: str, file: FileRef | None = None) -> FunctionError:
    """An error that stops the run before anything is written (raise it)."""
    return FunctionError(error(message, file=file))
