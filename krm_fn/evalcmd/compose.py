"""Composing each file's new text from its plan: kept documents byte for byte, edited ones as
edited, new ones at their kpt index."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .documents import DOC_START, lines
from .placement import FilePlan
from .problems import fail
from .source import Source, SourceFile


@dataclass
class Migration:
    """The outcome of a run: every file's text before and after (None: absent, deleted)."""

    root: Path
    before: dict[str, str | None]
    after: dict[str, str | None]
    objects: dict[str, list[str]]  # final texts of each file's objects (the stream on stdout)
    bom: set[str] = field(default_factory=set)  # files that start with a byte order mark

    def changed(self) -> list[str]:
        return sorted(rel for rel in self.after if self.after[rel] != self.before.get(rel))


@dataclass
class Entry:
    order: tuple[int, int, int]
    text: str
    has_doc: bool
    is_object: bool


def compose_all(source: Source, plans: dict[str, FilePlan]) -> Migration:
    before: dict[str, str | None] = {}
    after: dict[str, str | None] = {}
    objects: dict[str, list[str]] = {}
    for rel, plan in sorted(plans.items()):
        f = plan.source
        if f is not None:
            before[rel] = f.raw.decode("utf-8-sig")
        if f is None and (source.root / rel).exists():
            raise fail(f"{rel}: the function writes a new object to this file, but eval did not "
                       "read it (a hidden file or the --config file) and will not overwrite it")
        entries = _compose(plan)
        objects[rel] = [e.text for e in entries if e.is_object]
        if f is not None and not plan.changed:
            after[rel] = before[rel]
        elif not any(e.has_doc for e in entries):
            after[rel] = None  # no document left in the file: kpt deletes it too
        else:
            after[rel] = _join([e.text for e in entries], f)
    bom = {f.rel for f in source.files if f.bom}
    return Migration(source.root, before, after, objects, bom)


def _compose(plan: FilePlan) -> list[Entry]:
    """The file's documents in order: kept and edited ones where they were, new ones at their
    kpt index (before the document that had that index, or at the end), or right after the
    document they come from (an ExternalSecret next to its kept KES object)."""
    entries: list[Entry] = []
    last = -1
    chunks = plan.source.chunks if plan.source is not None else []
    headers: dict[int, str] = {}  # kpt index -> header of the document removed there
    for n, chunk in enumerate(chunks):
        last = chunk.index if chunk.index is not None else last
        text = plan.replaced.get(n, chunk.text)
        if text is not None:
            entries.append(Entry((last, n, 0), text, chunk.has_doc, chunk.index is not None))
        elif chunk.index is not None:
            headers[chunk.index] = header(chunk.text)
    after = {n: (c.index if c.index is not None else -1) for n, c in enumerate(chunks)}
    for doc in plan.added:
        if doc.after is not None:
            entries.append(Entry((after[doc.after], doc.after, 1), doc.text, True, True))
        else:  # in the place of a removed document: with its `---` and header comments
            text = _with_header(headers.pop(doc.index, ""), doc.text)
            entries.append(Entry((doc.index, -1, 0), text, True, True))
    entries.sort(key=lambda e: e.order)
    if chunks and DOC_START.match(chunks[0].text) and entries and not DOC_START.match(
            entries[0].text):
        entries[0].text = "---\n" + entries[0].text  # the file's leading marker stays
    return entries


def header(text: str) -> str:
    """The lines before a document's content: its `---` line and the comments above it."""
    out = ""
    for line in lines(text):
        body = line.strip()
        if body and not body.startswith("#") and not DOC_START.match(line):
            break
        if DOC_START.match(line) and line.rstrip() != "---":
            break  # content on the marker line (`--- # note` is kept by the next document)
        out += line
    return out


def _with_header(head: str, text: str) -> str:
    if not head:
        return text
    if DOC_START.match(head) and DOC_START.match(text):
        text = text.split("\n", 1)[1] if "\n" in text else ""
    return head + text


def _join(texts: list[str], f: SourceFile | None) -> str:
    """Documents joined into one file, in the file's line endings, with `---` between them."""
    out = ""
    for text in texts:
        if f is not None and f.crlf and "\r\n" not in text:
            text = text.replace("\n", "\r\n")
        if out:
            out += "" if out.endswith("\n") else "\n"
            out += "" if DOC_START.match(text) else "---\n"
        out += text
    return out
