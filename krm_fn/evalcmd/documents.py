"""YAML documents as text: splitting a stream into them, finding them in a tree, emitting one."""

from __future__ import annotations

import re

import ryml

from .. import yamlio

DOC_START = re.compile(r"---(?:[ \t]|\r?\n|\Z)")
DOC_END = re.compile(r"\.\.\.(?:[ \t]|\r?\n|\Z)")


def split_documents(text: str) -> list[str]:
    """Split a YAML stream into its documents' exact texts; joined they give `text` back.

    A document starts at a `---` line and ends before the next one or after a `...` line. YAML
    forbids both markers at column 0 inside a scalar, so a line scan is exact. Directives
    (`%YAML`) stay with the document they precede.
    """
    chunks: list[str] = []
    current: list[str] = []
    for line in lines(text):
        directives = any(x.startswith("%") for x in current)
        if DOC_START.match(line) and current and not directives:
            chunks.append("".join(current))
            current = []
        current.append(line)
        if DOC_END.match(line):
            chunks.append("".join(current))
            current = []
    if current:
        chunks.append("".join(current))
    return chunks


def lines(text: str) -> list[str]:
    """Lines with their `\\n` kept (str.splitlines would also split at \\x0c, \\u2028, ...)."""
    return re.findall(r"[^\n]*\n|[^\n]+\Z", text)


def document_nodes(tree: ryml.Tree) -> list[int]:
    """The nodes of the documents in `tree` (none for a text of comments only)."""
    root: int = tree.root_id()
    if tree.is_stream(root):
        return list(yamlio.children(tree, root))
    return [root] if tree.is_container(root) or tree.has_val(root) else []


def emit_document(tree: ryml.Tree, node: int, source: str) -> str:
    """One document as ryml emits it, without its `---` line (it becomes a list entry).
    `source` is the text the tree was parsed from: escapes ryml would write raw are kept."""
    data = source.encode("utf-8")
    guard = yamlio.EscapeGuard(tree, data) if yamlio.has_risky_escapes(data) else None
    text = yamlio.emit(tree, node)
    text = guard.restore(text) if guard is not None else text
    return re.sub(r"\A---(?: |\n)", "", text)
