"""Doing what the mode asks with the outcome: print the stream, print a diff, rewrite the files
in place, or write the whole tree to another directory."""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .compose import Migration
from .documents import DOC_START, lines
from .files import UTF8_BOM
from .source import Source


def act(opts: argparse.Namespace, source: Source, outcome: Migration) -> int:
    if opts.diff:
        sys.stdout.write(unified_diff(outcome))
    elif opts.in_place:
        _write(outcome, source.root, outcome.changed())
    elif opts.output:
        _write_tree(outcome, source, Path(opts.output))
    else:
        sys.stdout.write(_stream(outcome))
    return 0


def _stream(outcome: Migration) -> str:
    out: list[str] = []
    for rel in sorted(outcome.objects):
        if outcome.after.get(rel) is None:
            continue
        for text in outcome.objects[rel]:
            text = text.replace("\r\n", "\n")
            out.append(text if DOC_START.match(text) else "---\n" + text)
            out[-1] += "" if out[-1].endswith("\n") else "\n"
    return "".join(out)


def _display(root: Path, rel: str) -> str:
    """Paths in the diff are relative to the working directory when the tree is under it, so
    `secret-sync eval ... --diff | git apply` works from the repository root."""
    path = root / rel
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def unified_diff(outcome: Migration) -> str:
    out: list[str] = []
    for rel in outcome.changed():
        old, new = outcome.before.get(rel), outcome.after.get(rel)
        name = _display(outcome.root, rel)
        out.append(f"diff --git a/{name} b/{name}\n")
        if old is None:
            out.append("new file mode 100644\n")
        if new is None:
            out.append("deleted file mode 100644\n")
        hunks = difflib.unified_diff(
            lines(old or ""), lines(new or ""),
            "/dev/null" if old is None else f"a/{name}",
            "/dev/null" if new is None else f"b/{name}")
        out.extend(_no_newline_marks(hunks))
    return "".join(out)


def _no_newline_marks(diff_lines: Iterator[str]) -> Iterator[str]:
    for line in diff_lines:
        if line.endswith("\n"):
            yield line
        else:
            yield line + "\n\\ No newline at end of file\n"


def _write(outcome: Migration, base: Path, rels: list[str]) -> None:
    for rel in rels:
        target = base / rel
        content = outcome.after[rel]
        if content is None:
            if target.exists():
                target.unlink()
            sys.stderr.write(f"secret-sync: deleted {rel}\n")
            continue
        _write_file(target, content, rel in outcome.bom)
        verb = "created" if outcome.before.get(rel) is None else "updated"
        sys.stderr.write(f"secret-sync: {verb} {rel}\n")


def _write_file(target: Path, content: str, bom: bool) -> None:
    """Write through a temporary file and a rename: a crash never leaves half a file."""
    if target.is_symlink():  # edit the file the link points to; keep the link
        target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write((UTF8_BOM if bom else b"") + content.encode("utf-8"))
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o7777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _write_tree(outcome: Migration, source: Source, out: Path) -> None:
    """--output: the whole migrated tree, unchanged and non-YAML files copied as they are."""
    out = out.resolve()
    for f in source.extra_files:
        rel = f.relative_to(source.root).as_posix() if source.root in f.parents else f.name
        dest = out / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(f.read_bytes())
    for rel, content in sorted(outcome.after.items()):
        if content is not None:
            _write_file(out / rel, content, rel in outcome.bom)
    sys.stderr.write(f"secret-sync: wrote {sum(v is not None for v in outcome.after.values())} "
                     f"YAML files to {out} ({len(outcome.changed())} changed)\n")
