"""Reading what kubectl reads. The fast parser (ryml) refuses a few layouts that go-yaml,
PyYAML and ruamel.yaml accept, such as a flow sequence whose `]` sits at its key's indentation.
For such a file, and only for it, ruamel.yaml reads the text and writes it again in a layout
ryml reads; the function path never comes here, so its speed is unchanged.

When ruamel.yaml refuses the text too, its error is the one reported: it gives the line and
column of the offending text.
"""

from __future__ import annotations

import io
from typing import Any

import ryml
from ruamel.yaml.error import MarkedYAMLError  # type: ignore[import-untyped,unused-ignore]

from .. import yamlio
from ..yamlio import YamlError
from .documents import document_nodes
from .problems import fail
from .roundtrip import ruamel_yaml


def parse(text: str, name: str) -> tuple[ryml.Tree, str]:
    """The tree of `text`, and the text it was parsed from (`text` itself, or its rewrite)."""
    try:
        return yamlio.parse(text.encode("utf-8")), text
    except YamlError as exc:
        first = exc
    rewritten = _rewrite(text, name)
    try:
        return yamlio.parse(rewritten.encode("utf-8")), rewritten
    except YamlError:
        raise fail(f"{name}: {first}") from None


def _rewrite(text: str, name: str) -> str:
    y = ruamel_yaml()
    try:
        docs = list(y.load_all(text))
        out = io.StringIO()
        y.dump_all(docs, out)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = str(exc.problem or exc.context)
        if "duplicate key" in problem:  # ruamel's text quotes the values: never show them
            problem = "a mapping has the same key twice"
        raise fail(f"{name}: not valid YAML: {problem}{where}") from None
    except Exception as exc:  # ruamel's other refusals (duplicate keys, ...) carry no value
        raise fail(f"{name}: not valid YAML ({type(exc).__name__})") from None
    return out.getvalue()


def load(text: str) -> Any:
    """One document as Python data, read as `parse` reads it."""
    tree = parse(text, "")[0]
    return yamlio.to_python(tree, document_nodes(tree)[0])
