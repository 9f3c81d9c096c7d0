"""Editing a document the function changed, with the smallest change to its text.

The changed scalars are spliced into the original text (splice.py); when that is not possible,
ruamel.yaml rewrites this one document (roundtrip.py) with a warning. Either way the result is
parsed again and must read exactly as the function's output, or nothing is written.
"""

from __future__ import annotations

from typing import Any

from .. import yamlio
from ..results import FileRef, FunctionError, error, warning
from . import lenient
from .changes import Change, apply, same
from .documents import document_nodes
from .problems import report
from .roundtrip import round_trip
from .splice import splice


def edit_document(text: str, old: Any, changes: list[Change], where: FileRef) -> str:
    """`text` (whose data is `old`) with `changes` applied."""
    expected = apply(old, changes)
    if all(c.leaf for c in changes):
        spliced = splice(text, changes)
        if spliced is not None and _reads_as(spliced, expected):
            return spliced
    dumped = round_trip(text, changes)
    if dumped is not None and _reads_as(dumped, expected):
        report([warning("the change could not be made in place, so ruamel.yaml rewrote this "
                        "document: check its formatting", file=where)])
        return dumped
    raise FunctionError(error("cannot apply the function's change to this document without "
                              "altering other content; edit it by hand", file=where))


def _reads_as(text: str, expected: Any) -> bool:
    try:
        tree = lenient.parse(text, "")[0]  # the layouts ryml refuses were read that way too
    except FunctionError:
        return False
    docs = document_nodes(tree)
    return len(docs) == 1 and same(yamlio.to_python(tree, docs[0]), expected)
