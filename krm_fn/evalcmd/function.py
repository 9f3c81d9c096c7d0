"""Running the KRM function once over every object read: the same ResourceList and pipeline as
`kpt fn eval`, so references across files and directories are found."""

from __future__ import annotations

from typing import Any

from .. import pipeline, resourcelist, yamlio
from ..resourcelist import RESOURCE_LIST_VERSIONS, _seq_entry
from ..results import FunctionError
from .problems import report
from .source import Source


def resource_list(source: Source) -> str:
    """The function's input: every annotated object as an item, and the config."""
    items = [_seq_entry(c.item) for f in source.files for c in f.objects]
    # The config's lines laid out like a list entry's, with the dash turned into indentation.
    config = "  " + _seq_entry(source.config_text)[2:]
    head = [f"apiVersion: {RESOURCE_LIST_VERSIONS[0]}", "kind: ResourceList"]
    return "\n".join([*head, "items:" if items else "items: []", *items,
                      "functionConfig:", config]) + "\n"


def run(source: Source) -> list[tuple[Any, str]]:
    """The function's output items, as Python data and as text. Any error result stops the run;
    warnings and infos are reported."""
    rl = resourcelist.read(resource_list(source).encode("utf-8"))
    outcome = pipeline.run(rl)
    errors = [r for r in outcome.results if r.severity == "error"]
    if errors:
        raise FunctionError(*errors)
    report(outcome.results)
    return [(yamlio.load_text(text), text) for text in outcome.items]
