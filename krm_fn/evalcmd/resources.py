"""Adding new files (stores) to the `resources:` list of the kustomization that needs them,
in its text: comments, order and layout stay, the new entry goes at the end of the list."""

from __future__ import annotations

import re

from ..results import FunctionError
from . import lenient
from .documents import lines
from .problems import fail

_BLOCK_KEY = re.compile(r"resources:[ \t]*(?:#.*)?\r?\n?\Z")
_FLOW = re.compile(r"(resources:[ \t]*\[)(.*?)(\][ \t]*(?:#.*)?\r?\n?)\Z")
_ITEM = re.compile(r"([ \t]*)-[ \t]")
_FLOW_OPEN = re.compile(r"resources:[ \t]*\[[^\]#]*(?:#.*)?\r?\n\Z")  # `]` on a later line
_ITEM_COMMENT = re.compile(r"([^#]*?)([ \t]*(?:#.*)?\r?\n?)\Z")


def add_resources(text: str, entries: list[str], name: str) -> str:
    """`text` of a kustomization with `entries` appended to `resources:` (those not there yet)."""
    data = lenient.load(text)  # what kubectl reads, also the layouts the fast parser refuses
    listed = data.get("resources") if isinstance(data, dict) else None
    old = list(listed) if isinstance(listed, list) else []
    todo = [e for e in entries if e not in old]
    if not todo:
        return text
    out = _insert(lines(text), todo)
    try:
        done = lenient.load(out)
    except FunctionError:
        done = None
    if not isinstance(done, dict) or done.get("resources") != [*old, *todo]:
        raise fail(f"{name}: field resources: cannot add {', '.join(todo)} to this list in "
                   "place (nothing was written): write the list one entry a line (`- entry`) or "
                   "all on one line (`[a, b]`) and run eval again")
    return out


def _insert(text_lines: list[str], todo: list[str]) -> str:
    for n, line in enumerate(text_lines):
        flow = _FLOW.match(line)
        if flow:
            inner = flow.group(2).rstrip()
            joined = ", ".join([inner, *todo] if inner else todo)
            text_lines[n] = flow.group(1) + joined + flow.group(3)
            return "".join(text_lines)
        if _BLOCK_KEY.match(line):
            return "".join(_into_block(text_lines, n, todo))
        if _FLOW_OPEN.match(line):
            return "".join(_into_flow(text_lines, n, todo))
    tail = "" if not text_lines or text_lines[-1].endswith("\n") else "\n"
    return "".join(text_lines) + tail + "resources:\n" + "".join(f"- {e}\n" for e in todo)


def _into_block(text_lines: list[str], key: int, todo: list[str]) -> list[str]:
    """After the last item of the block list under line `key`, in that item's indentation."""
    last, indent = key, ""
    for n in range(key + 1, len(text_lines)):
        line = text_lines[n]
        item = _ITEM.match(line)
        if item:
            last, indent = n, item.group(1)
        elif line.strip() and not line.lstrip().startswith("#") and not line[:1].isspace():
            break
    eol = "\r\n" if text_lines[key].endswith("\r\n") else "\n"
    if not text_lines[last].endswith("\n"):
        text_lines[last] += eol
    new = [f"{indent}- {e}{eol}" for e in todo]
    return text_lines[:last + 1] + new + text_lines[last + 1:]


def _into_flow(text_lines: list[str], key: int, todo: list[str]) -> list[str]:
    """Before the `]` line of a flow list written over several lines (`resources: [` then one
    entry a line), in the indentation of its entries; a comma after the last old entry."""
    close = next((n for n in range(key + 1, len(text_lines))
                  if text_lines[n].lstrip().startswith("]")), None)
    if close is None:
        return text_lines  # `]` after an entry: the check in add_resources refuses the result
    items = [n for n in range(key + 1, close)
             if text_lines[n].strip() and not text_lines[n].lstrip().startswith("#")]
    eol = "\r\n" if text_lines[key].endswith("\r\n") else "\n"
    indent = "  "
    if items:
        last = text_lines[items[-1]]
        indent = last[:len(last) - len(last.lstrip())]
        body = _ITEM_COMMENT.match(last)
        if body and not body.group(1).rstrip().endswith(","):
            text_lines[items[-1]] = body.group(1).rstrip() + "," + body.group(2)
    return [*text_lines[:close], *(f"{indent}{e},{eol}" for e in todo), *text_lines[close:]]
