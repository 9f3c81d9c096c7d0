"""Running the KRM function once over every object read: the same ResourceList and pipeline as
`kpt fn eval`, so references across files and directories are found."""

from __future__ import annotations

from typing import Any

from .. import pipeline, resourcelist, yamlio
from ..resourcelist import RESOURCE_LIST_VERSIONS, _seq_entry
from ..results import FunctionError, Result
from .source import Source


def resource_list(source: Source) -> str:
    """The function's input: every annotated object as an item, and the config."""
    items = [_seq_entry(c.item) for f in source.files for c in f.objects]
    # The config's lines laid out like a list entry's, with the dash turned into indentation.
    config = "  " + _seq_entry(source.config_text)[2:]
    head = [f"apiVersion: {RESOURCE_LIST_VERSIONS[0]}", "kind: ResourceList"]
    return "\n".join([*head, "items:" if items else "items: []", *items,
                      "functionConfig:", config]) + "\n"


def run(source: Source) -> tuple[list[tuple[Any, str]], list[Result]]:
    """The function's output items, as Python data and as text (none when it failed), and its
    results; the caller reports them, together with those of the other universes."""
    rl = resourcelist.read(resource_list(source).encode("utf-8"))
    try:
        outcome = pipeline.run(rl)
    except FunctionError as exc:  # the pipeline stops at its first failing step
        return [], list(exc.results)
    if any(r.severity == "error" for r in outcome.results):
        return [], list(outcome.results)
    return [(yamlio.load_text(text), text) for text in outcome.items], list(outcome.results)
