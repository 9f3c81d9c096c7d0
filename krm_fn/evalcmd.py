"""`secret-sync eval PATH... --config FILE [--in-place | --output DIR] [--diff]`.

Runs the KRM function's transformation over YAML files on disk, for a one-off migration of a
repository without kpt or a cluster. It works like `kpt fn eval`: every object gets kpt's path and
index annotations plus an id, the whole set goes through the same pipeline as one ResourceList,
and the output is mapped back to files by those annotations.

Unlike kpt it writes back with the smallest possible change, because the diff of a migration is
reviewed by people: a file whose objects are unchanged is not touched; within a changed file,
unchanged documents keep their bytes; a changed document gets only its changed scalars replaced
in the original text (located with ruamel.yaml's round-trip positions), so comments, key order,
quoting and indentation of everything else survive. ruamel.yaml is imported here only: the KRM
function path never loads it, its start-up time matters on every build.
"""

from __future__ import annotations

import argparse
import copy
import difflib
import io
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import ryml
from ruamel.yaml import YAML  # type: ignore[import-untyped,unused-ignore]
from ruamel.yaml.comments import (  # type: ignore[import-untyped,unused-ignore]
    CommentedMap,
    CommentedSeq,
)
from ruamel.yaml.util import load_yaml_guess_indent  # type: ignore[import-untyped,unused-ignore]

from . import yamlio
from .metadata import KPT_INDEX, KPT_PATH
from .results import FileRef, FunctionError, Result, error, warning
from .yamlio import NONE, YamlError

KPT_ID = "internal.config.kubernetes.io/id"
OWN_KEYS = (KPT_PATH, KPT_INDEX, KPT_ID)
YAML_SUFFIXES = (".yaml", ".yml")
# Build configuration of kustomize and kpt: YAML files in a repository that are not resources.
CONFIG_GROUPS = ("kustomize.config.k8s.io", "kpt.dev", "config.kubernetes.io")
WIDE = 1 << 16  # ruamel line width: never fold a long scalar onto two lines

FieldPath = tuple[Any, ...]

USAGE = "secret-sync eval PATH... --config FILE [--in-place | --output DIR] [--diff]"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse's format, with our program name
        self.exit(2, f"secret-sync: error: {message}\nusage: {USAGE}\n")


# --- model ---------------------------------------------------------------------------------------

@dataclass
class Chunk:
    """One YAML document of a file, exactly as written (with its `---` line, if any)."""

    text: str
    has_doc: bool = False          # holds a document (not just comments or blank lines)
    index: int | None = None       # object ordinal in the file (kpt index); None: not an object
    uid: str = ""                  # id annotation given to the object
    data: Any = None               # the object as Python data, as the function reads it
    sent: Any = None               # the annotated object as sent to the function
    item: str = ""                 # the annotated object as YAML text (a ResourceList item)


@dataclass
class SourceFile:
    path: Path
    rel: str                       # slash-separated path relative to the root (kpt path)
    raw: bytes
    chunks: list[Chunk]
    bom: bool = False
    crlf: bool = False

    @property
    def objects(self) -> Iterator[Chunk]:
        return (c for c in self.chunks if c.index is not None)


@dataclass
class Source:
    root: Path
    files: list[SourceFile]
    config_text: str               # the functionConfig document, emitted by ryml
    extra_files: list[Path] = field(default_factory=list)  # non-YAML files, copied by --output


@dataclass
class NewDoc:
    index: int
    text: str


@dataclass
class FilePlan:
    """What happens to one file: its chunks replaced (None: removed) and documents added."""

    source: SourceFile | None
    replaced: dict[int, str | None] = field(default_factory=dict)
    added: list[NewDoc] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.replaced or self.added)


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


# --- command -------------------------------------------------------------------------------------

def main(args: list[str]) -> int:
    opts = _parse_args(args)
    try:
        if opts.config is None:
            raise _fail("eval needs the function config: --config FILE (a SecretSync or "
                        "ConfigMap, as for `kpt fn eval --fn-config`)")
        source = load(opts.paths, Path(opts.config), opts.output)
        outcome = transform(source)
    except FunctionError as exc:
        _report(exc.results)
        return 1
    except Exception as exc:  # a bug: say so, without a traceback or any value from the input
        if os.environ.get("SECRET_SYNC_DEBUG") == "1":
            raise
        _report([error(f"internal error ({type(exc).__name__}); "
                       "rerun with SECRET_SYNC_DEBUG=1 for details")])
        return 1
    return _act(opts, source, outcome)


def _parse_args(args: list[str]) -> argparse.Namespace:
    p = _Parser(prog="secret-sync eval", usage=USAGE, description=(
        "Run the secret-sync transformation over YAML files on disk (a one-off repository "
        "migration without kpt). Without --in-place, --output or --diff the result is printed "
        "as a multi-document YAML stream."))
    p.add_argument("paths", nargs="+", metavar="PATH", help="YAML files or directories (recursive)")
    p.add_argument("--config", metavar="FILE", help="function config: SecretSync or ConfigMap")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--in-place", action="store_true", help="rewrite the files")
    mode.add_argument("--output", metavar="DIR", help="write the resulting tree to DIR")
    p.add_argument("--diff", action="store_true",
                   help="print a unified diff of what would change and write nothing")
    return p.parse_args(args)


def _report(results: list[Result]) -> None:
    for r in results:
        sys.stderr.write(f"secret-sync: {r.describe()}\n")


def _fail(message: str, file: FileRef | None = None) -> FunctionError:
    return FunctionError(error(message, file=file))


# --- reading -------------------------------------------------------------------------------------

def load(paths: list[str], config: Path, output: str | None = None) -> Source:
    config_text = _read_config(config)
    root, files, extra = _collect(paths, config)
    if output is not None:
        _check_output_dir(Path(output), root)
    counter = iter(range(1, 1 << 62))
    sources = [_read_source(root, f, counter) for f in files]
    return Source(root, sources, config_text, extra)


def _collect(paths: list[str], config: Path) -> tuple[Path, list[Path], list[Path]]:
    """Every YAML file under `paths` (sorted, hidden directories and files skipped) and the
    common root their kpt paths are relative to. The config file is not an item (like
    `kpt fn eval --fn-config`), so it is left out even when it lives in the tree."""
    dirs: list[Path] = []
    found: set[Path] = set()
    extra: set[Path] = set()
    for arg in paths:
        path = Path(arg)
        if not path.exists():
            raise _fail(f"{arg}: no such file or directory")
        path = path.resolve()
        if path.is_dir():
            dirs.append(path)
            for f in _walk(path):
                (found if f.suffix in YAML_SUFFIXES else extra).add(f)
        else:
            dirs.append(path.parent)
            found.add(path)
    skip = config.resolve()
    root = Path(os.path.commonpath(dirs))
    return root, sorted(found - {skip}), sorted(extra | ({skip} & found))


def _walk(top: Path) -> Iterator[Path]:
    for here, subdirs, names in os.walk(top):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        yield from (Path(here) / n for n in sorted(names) if not n.startswith("."))


def _check_output_dir(out: Path, root: Path) -> None:
    out = out.resolve()
    if out == root or root in out.parents or out in root.parents:
        # Inside the tree it would be read next time; above it, it could overwrite the input.
        raise _fail(f"--output {out}: must be outside the input tree {root} and not contain it")
    if out.exists() and not out.is_dir():
        raise _fail(f"--output {out}: not a directory")


def _read_text(path: Path, name: str) -> tuple[str, bytes]:
    """A file's text (without a byte order mark), checked to be UTF-8 with no raw control
    characters, and its bytes."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _fail(f"{name}: cannot read the file: {exc.strerror or exc}") from None
    bom = data.startswith(b"\xef\xbb\xbf")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _fail(f"{name}: the file is UTF-16; YAML files must be UTF-8")
    try:
        text = data[3 if bom else 0:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail(f"{name}: not a YAML file: not UTF-8 text (invalid byte at offset "
                    f"{exc.start})") from None
    bad = re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise _fail(f"{name}: not a YAML file: control character U+{ord(bad.group()):04X} "
                    f"at line {line}")
    return text, data


def _parse(text: str, name: str) -> ryml.Tree:
    try:
        return yamlio.parse(text.encode("utf-8"))
    except YamlError as exc:
        raise _fail(f"{name}: {exc}") from None


def _read_config(path: Path) -> str:
    text, _raw = _read_text(path, f"--config {path}")
    tree = _parse(text, f"--config {path}")
    docs = _documents(tree)
    if len(docs) != 1 or not tree.is_map(docs[0]):
        raise _fail(f"--config {path}: expected one YAML document, a SecretSync or ConfigMap "
                    f"function config (found {len(docs)} documents)")
    return _emit(tree, docs[0], text)


def _read_source(root: Path, path: Path, counter: Iterator[int]) -> SourceFile:
    rel = path.relative_to(root).as_posix()
    text, raw = _read_text(path, rel)
    _parse(text, rel)  # the whole file first, so a syntax error names the file's own line
    chunks = [Chunk(t) for t in split_documents(text)]
    index = 0
    for n, chunk in enumerate(chunks):
        parsed = _read_chunk(chunk, rel, n)
        if parsed is not None:
            chunk.index, chunk.uid = index, str(next(counter))
            chunk.item, chunk.sent = _annotated(*parsed, chunk.text, rel, index, chunk.uid)
            index += 1
    return SourceFile(path, rel, raw, chunks, raw.startswith(b"\xef\xbb\xbf"), "\r\n" in text)


_DOC_START = re.compile(r"---(?:[ \t]|\r?\n|\Z)")
_DOC_END = re.compile(r"\.\.\.(?:[ \t]|\r?\n|\Z)")


def split_documents(text: str) -> list[str]:
    """Split a YAML stream into its documents' exact texts; joined they give `text` back.

    A document starts at a `---` line and ends before the next one or after a `...` line. YAML
    forbids both markers at column 0 inside a scalar, so a line scan is exact. Directives
    (`%YAML`) stay with the document they precede.
    """
    chunks: list[str] = []
    current: list[str] = []
    for line in _lines(text):
        directives = any(x.startswith("%") for x in current)
        if _DOC_START.match(line) and current and not directives:
            chunks.append("".join(current))
            current = []
        current.append(line)
        if _DOC_END.match(line):
            chunks.append("".join(current))
            current = []
    if current:
        chunks.append("".join(current))
    return chunks


def _lines(text: str) -> list[str]:
    """Lines with their `\\n` kept (str.splitlines would also split at \\x0c, \\u2028, ...)."""
    return re.findall(r"[^\n]*\n|[^\n]+\Z", text)


def _documents(tree: ryml.Tree) -> list[int]:
    root: int = tree.root_id()
    if tree.is_stream(root):
        return [d for d in yamlio.children(tree, root)]
    return [root] if tree.is_container(root) or tree.has_val(root) else []


def _read_chunk(chunk: Chunk, rel: str, n: int) -> tuple[ryml.Tree, int] | None:
    """Parse one document; its tree and node when it is a Kubernetes object for the function."""
    tree = _parse(chunk.text, f"{rel} (document {n + 1})")
    docs = _documents(tree)
    if len(docs) > 1:
        raise _fail(f"{rel}: cannot split the file into YAML documents at document {n + 1}")
    if not docs:
        return None
    node = docs[0]
    chunk.has_doc = tree.is_container(node) or not tree.val_is_null(node)
    if not tree.is_map(node):
        return None
    try:
        chunk.data = yamlio.to_python(tree, node)
    except YamlError as exc:
        raise _fail(f"{rel} (document {n + 1}): {exc}") from None
    return (tree, node) if _is_object(chunk.data, rel, n) else None


def _is_object(data: dict[Any, Any], rel: str, n: int) -> bool:
    """Mappings without apiVersion and kind (Helm values, CI files) are not resources; a
    resource without a name is left alone with a warning (kpt would refuse the package)."""
    api_version, kind = data.get("apiVersion"), data.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return False
    meta = data.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    if isinstance(name, (str, int, float)) and not isinstance(name, bool) and name != "":
        return True  # kustomize reads a plain `name: 123` as the string "123"; so does the function
    if api_version.rpartition("/")[0] not in CONFIG_GROUPS:
        _report([warning(f"{kind} has no metadata.name: not a Kubernetes object, left unchanged",
                         file=FileRef(rel, n))])
    return False


def _annotated(tree: ryml.Tree, node: int, text: str, rel: str, index: int,
               uid: str) -> tuple[str, Any]:
    """The document with kpt's path, index and id annotations, as a ResourceList item text,
    and that item as Python data (the baseline the function's output is compared with)."""
    meta = yamlio.child(tree, node, "metadata")
    annotations = yamlio.child(tree, meta, "annotations")
    if annotations == NONE:
        annotations = tree.append_child(meta)
        tree.to_map(annotations, tree.to_arena(b"annotations"))
    elif tree.is_val_ref(annotations) or tree.is_ref(annotations):
        raise _fail(f"{rel}[{index}]: metadata.annotations is a YAML alias; eval cannot "
                    "annotate it (expand the alias)")
    elif not tree.is_map(annotations):
        tree.to_map(annotations, tree.key(annotations))
    for key, value in ((KPT_PATH, rel), (KPT_INDEX, str(index)), (KPT_ID, uid)):
        _set_annotation(tree, annotations, key, value)
    return _emit(tree, node, text), yamlio.to_python(tree, node)


def _set_annotation(tree: ryml.Tree, annotations: int, key: str, value: str) -> None:
    node = yamlio.child(tree, annotations, key)
    if node == NONE:
        node = tree.append_child(annotations)
        tree.to_keyval(node, tree.to_arena(key.encode()), tree.to_arena(value.encode()))
    else:
        tree._set_val(node, tree.to_arena(value.encode()))
    tree.set_val_style(node, ryml.VAL_DQUO)


def _emit(tree: ryml.Tree, node: int, source: str) -> str:
    """One document as ryml emits it, without its `---` line (it becomes a list entry)."""
    data = source.encode("utf-8")
    guard = yamlio.EscapeGuard(tree, data) if yamlio.has_risky_escapes(data) else None
    text = yamlio.emit(tree, node)
    text = guard.restore(text) if guard is not None else text
    return re.sub(r"\A---(?: |\n)", "", text)


# --- running the function ------------------------------------------------------------------------

def resource_list(source: Source) -> str:
    out = ["apiVersion: config.kubernetes.io/v1", "kind: ResourceList"]
    items = [c.item for f in source.files for c in f.objects]
    out.append("items:" if items else "items: []")
    out.extend(_indent(text, "- ") for text in items)
    out.append("functionConfig:")
    out.append(_indent(source.config_text, "  "))
    return "\n".join(out) + "\n"


def _indent(text: str, first: str) -> str:
    lines = text.rstrip("\n").split("\n")
    rest = ["  " + line if line else "" for line in lines[1:]]
    return "\n".join([first + lines[0], *rest])


def _run(source: Source) -> list[Any]:
    """The function's output items as Python data. Any error result stops the run."""
    from . import pipeline, resourcelist

    rl = resourcelist.read(resource_list(source).encode("utf-8"))
    outcome = pipeline.run(rl)
    errors = [r for r in outcome.results if r.severity == "error"]
    if errors:
        raise FunctionError(*errors)
    _report(outcome.results)
    return [_load_item(text) for text in outcome.items]


def _load_item(text: str) -> tuple[Any, str]:
    return yamlio.load_text(text), text


# --- mapping the output back to files ------------------------------------------------------------

def transform(source: Source) -> Migration:
    outputs = _run(source)
    by_uid = {c.uid: (f, n, c) for f in source.files for n, c in enumerate(f.chunks) if c.uid}
    plans = {f.rel: FilePlan(f) for f in source.files}
    seen: set[str] = set()
    new: list[tuple[Any, str]] = []
    for data, text in outputs:
        uid = _annotations(data).get(KPT_ID)
        hit = by_uid.get(uid) if isinstance(uid, str) else None
        if hit is None or uid in seen or not _same_kind(hit[2].data, data):
            new.append((data, text))
            continue
        seen.add(hit[2].uid)
        _plan_kept(plans[hit[0].rel], hit[1], hit[2], data)
    removed = {uid: hit for uid, hit in by_uid.items() if uid not in seen}
    for data, text in new:
        _plan_new(plans, removed, data, text)
    for f, n, _ in removed.values():
        plans[f.rel].replaced[n] = None
    return _compose_all(source, plans)


def _annotations(data: Any) -> dict[str, Any]:
    meta = data.get("metadata") if isinstance(data, dict) else None
    ann = meta.get("annotations") if isinstance(meta, dict) else None
    return ann if isinstance(ann, dict) else {}


def _same_kind(a: Any, b: Any) -> bool:
    return bool(a.get("apiVersion") == b.get("apiVersion") and a.get("kind") == b.get("kind"))


def _identity(data: Any) -> tuple[str, str, str, str]:
    meta = data.get("metadata") or {}
    group = str(data.get("apiVersion", "")).rpartition("/")[0]
    return group, str(data.get("kind")), str(meta.get("namespace") or ""), str(meta.get("name"))


def _plan_kept(plan: FilePlan, n: int, chunk: Chunk, out: Any) -> None:
    changes = diff(without_own_annotations(chunk.sent), without_own_annotations(out))
    if changes:
        assert plan.source is not None
        plan.replaced[n] = edit_document(chunk.text, chunk.data, changes,
                                         FileRef(plan.source.rel, chunk.index or 0))


def _plan_new(plans: dict[str, FilePlan], removed: dict[str, tuple[SourceFile, int, Chunk]],
              data: Any, text: str) -> None:
    """A generated object. If it replaces one a previous run wrote (the pipeline upserts its own
    objects), it is an edit of that document where it stands: re-runs change nothing."""
    ident = _identity(data)
    for uid, (f, n, chunk) in list(removed.items()):
        if _identity(chunk.data) == ident:
            del removed[uid]
            _plan_kept(plans[f.rel], n, chunk, data)
            return
    path, index = _placement(data)
    plan = plans.setdefault(path, FilePlan(None))
    plan.added.append(NewDoc(index, strip_own_annotations(text)))


def _placement(data: Any) -> tuple[str, int]:
    ann = _annotations(data)
    path = ann.get(KPT_PATH)
    if not isinstance(path, str) or not path:  # kyaml's default: [<namespace>/]<kind>_<name>.yaml
        _, kind, ns, name = _identity(data)
        path = f"{ns + '/' if ns else ''}{kind.lower()}_{name}.yaml"
    norm = os.path.normpath(path).replace(os.sep, "/")
    if os.path.isabs(norm) or norm == ".." or norm.startswith("../"):
        raise _fail(f"the function placed {_identity(data)[1]} {_identity(data)[3]} at {path!r}, "
                    "outside the input tree")
    index = str(ann.get(KPT_INDEX, "0"))
    return norm, int(index) if index.isdigit() else 0


def without_own_annotations(data: Any) -> Any:
    """`data` without the annotations eval adds (and without `annotations` if that empties it),
    so that they never count as a change."""
    data = copy.deepcopy(data)
    ann = _annotations(data)
    if any(k in ann for k in OWN_KEYS):
        for k in OWN_KEYS:
            ann.pop(k, None)
        if not ann:
            del data["metadata"]["annotations"]
    return data


def strip_own_annotations(text: str) -> str:
    """A generated object's text without kpt's internal annotations (kpt strips them too)."""
    data = text.encode("utf-8")
    tree = yamlio.parse(data)
    node = _documents(tree)[0]
    annotations = yamlio.child(tree, yamlio.child(tree, node, "metadata"), "annotations")
    if annotations == NONE or not tree.is_map(annotations):
        return text
    for key in OWN_KEYS:
        child = yamlio.child(tree, annotations, key)
        if child != NONE:
            tree.remove(child)
    if tree.num_children(annotations) == 0:
        tree.remove(annotations)
    return _emit(tree, node, text)


# --- editing a changed document ------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    path: FieldPath
    value: Any = None
    delete: bool = False
    leaf: bool = False             # a scalar replaced by a scalar


def diff(old: Any, new: Any, path: FieldPath = ()) -> list[Change]:
    """The smallest set of changes that turns `old` into `new` (both plain Python data)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = [Change((*path, k), delete=True) for k in old if k not in new]
        for k, v in new.items():
            out.extend(diff(old[k], v, (*path, k)) if k in old else [Change((*path, k), v)])
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [c for i, (a, b) in enumerate(zip(old, new, strict=True)) for c in diff(a, b, (*path, i))]
    if same(old, new):
        return []
    leaf = not isinstance(old, (dict, list)) and not isinstance(new, (dict, list))
    return [Change(path, copy.deepcopy(new), leaf=leaf)]


def same(a: Any, b: Any) -> bool:
    """Equality that also compares scalar types (1 == True == 1.0 in Python) and NaN."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and a != a:
        return bool(b != b)
    return bool(a == b)


def apply(data: Any, changes: list[Change]) -> Any:
    data = copy.deepcopy(data)
    for c in changes:
        parent = data
        for seg in c.path[:-1]:
            parent = parent[seg]
        if c.delete:
            del parent[c.path[-1]]
        else:
            parent[c.path[-1]] = copy.deepcopy(c.value)
    return data


def edit_document(text: str, old: Any, changes: list[Change], where: FileRef) -> str:
    """`text` with `changes` applied, every other byte kept when the changes are scalar
    replacements; otherwise a ruamel round trip of this one document. Either way the result is
    parsed again and must read exactly as expected, or nothing is written."""
    expected = apply(old, changes)
    if all(c.leaf for c in changes):
        spliced = _splice(text, changes)
        if spliced is not None and _reads_as(spliced, expected):
            return spliced
    dumped = _round_trip(text, changes)
    if dumped is not None and _reads_as(dumped, expected):
        _report([warning("the change could not be made in place, so ruamel.yaml rewrote this "
                         "document: check its formatting", file=where)])
        return dumped
    raise FunctionError(error("cannot apply the function's change to this document without "
                              "altering other content; edit it by hand", file=where))


def _reads_as(text: str, expected: Any) -> bool:
    try:
        tree = yamlio.parse(text.encode("utf-8"))
    except YamlError:
        return False
    docs = _documents(tree)
    return len(docs) == 1 and same(yamlio.to_python(tree, docs[0]), expected)


def _ruamel() -> Any:
    y = YAML()  # round-trip mode, YAML 1.2 like kustomize and kpt
    y.preserve_quotes = True
    y.width = WIDE
    return y


def _splice(text: str, changes: list[Change]) -> str | None:
    """Replace each changed scalar's characters in the original text, in its original quoting
    style. ruamel gives each scalar's line and column; None when a scalar cannot be cut out
    on its own (block scalars, aliases, multi-line strings)."""
    try:
        doc = _ruamel().load(text)
    except Exception:  # ruamel rejects some YAML ryml accepts; the fallback then reports it
        return None
    lines = _lines(text)
    edits: list[tuple[int, int, int, str]] = []
    for c in changes:
        loc = _locate(doc, c.path)
        if loc is None or loc[0] >= len(lines):
            return None
        line, col, flow = loc
        span = _scalar_span(lines[line], col, flow)
        if span is None:
            return None
        start, end, style = span
        edits.append((line, start, end, _render(c.value, style)))
    for line, col, end, new in sorted(edits, reverse=True):
        text_line = lines[line]
        lines[line] = text_line[:col] + new + _keep_comment_column(text_line[end:], end - col,
                                                                  len(new))
    return "".join(lines)


def _keep_comment_column(rest: str, old_len: int, new_len: int) -> str:
    """Aligned end-of-line comments stay aligned: the padding before `#` absorbs the change
    of length (at least one space remains)."""
    m = re.match(r"([ \t]+)#", rest)
    if m is None or "\t" in m.group(1):
        return rest
    pad = max(1, len(m.group(1)) - (new_len - old_len))
    return " " * pad + rest[m.end(1):]


def _locate(doc: Any, path: FieldPath) -> tuple[int, int, bool] | None:
    node = doc
    try:
        for seg in path[:-1]:
            node = node[seg]
        last = path[-1]
        if isinstance(node, CommentedMap):
            line, col = node.lc.value(last)
        elif isinstance(node, CommentedSeq):
            line, col = node.lc.item(last)
        else:
            return None
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    return int(line), int(col), bool(node.fa.flow_style())


# An anchor and/or a tag before a scalar: `&name`, `!!str`, `!local`.
_PROPERTIES = re.compile(r"(?:[&!][^\s,\[\]{}]*[ \t]+)*")


def _scalar_span(line: str, col: int, flow: bool) -> tuple[int, int, str] | None:
    """Start, end and style (plain, single, double) of the scalar at `col`; an anchor or tag
    before it is kept. None when the scalar does not end on this line or is not one."""
    body = line.rstrip("\r\n")
    m = _PROPERTIES.match(body, col)
    start = m.end() if m else col
    if start >= len(body):
        return None
    first = body[start]
    if first in "\"'":
        quoted = re.compile(r'"(?:[^"\\]|\\.)*"' if first == '"' else r"'(?:[^']|'')*'")
        q = quoted.match(body, start)
        return (start, q.end(), "double" if first == '"' else "single") if q else None
    if first in "|>&!*[]{}#,":
        return None
    stop = re.compile(r"\s+#|\s*$" + (r"|\s*[,\]}]" if flow else "")).search(body, start)
    return start, (stop.start() if stop else len(body)), "plain"


def _render(value: Any, style: str) -> str:
    if not isinstance(value, str):
        return _plain(value)
    if style == "single" and re.fullmatch(r"[ -~]*", value):
        return "'" + value.replace("'", "''") + "'"
    if style == "plain" and yamlio.plain_is_safe(value):
        return value
    return yamlio.quote(value)


def _plain(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def _round_trip(text: str, changes: list[Change]) -> str | None:
    """ruamel.yaml round trip of one document with `changes` applied, with the document's own
    indentation. Comments, key order and quoting survive; layout details may not."""
    try:
        _, seq_indent, offset = load_yaml_guess_indent(text)
        y = _ruamel()
        y.indent(mapping=_mapping_indent(text), sequence=seq_indent or 2, offset=offset or 0)
        y.explicit_start = text.lstrip().startswith("---")
        doc = y.load(text)
        for c in changes:
            parent = doc
            for seg in c.path[:-1]:
                parent = parent[seg]
            if c.delete:
                del parent[c.path[-1]]
            else:
                parent[c.path[-1]] = _styled(parent, c.path[-1], c.value, c.leaf)
        out = io.StringIO()
        y.dump(doc, out)
    except Exception:  # a document ruamel cannot read or write: reported by the caller
        return None
    ended = any(_DOC_END.match(line) for line in _lines(text))
    return out.getvalue() + ("...\n" if ended else "")


def _styled(parent: Any, key: Any, value: Any, leaf: bool) -> Any:
    """A new string takes the quoting style of the one it replaces."""
    old = parent[key]
    if leaf and isinstance(value, str) and isinstance(old, str) and type(old) is not str:
        return type(old)(value)
    return value


def _mapping_indent(text: str) -> int:
    """The indentation of a nested mapping key below its parent key (ruamel's guess only
    measures sequences)."""
    prev: tuple[int, bool] | None = None
    for line in _lines(text):
        body = line.rstrip()
        if not body.strip() or body.lstrip().startswith("#"):
            continue
        depth = len(body) - len(body.lstrip(" "))
        if prev is not None and prev[1] and depth > prev[0] and not body.lstrip().startswith("-"):
            return depth - prev[0]
        prev = (depth, body.endswith(":") and not body.lstrip().startswith("-"))
    return 2


# --- composing files -----------------------------------------------------------------------------

def _compose_all(source: Source, plans: dict[str, FilePlan]) -> Migration:
    before: dict[str, str | None] = {}
    after: dict[str, str | None] = {}
    objects: dict[str, list[str]] = {}
    for rel, plan in sorted(plans.items()):
        f = plan.source
        if f is not None:
            before[rel] = f.raw.decode("utf-8-sig")
        if f is None and (source.root / rel).exists():
            raise _fail(f"{rel}: the function writes a new object to this file, but eval did not "
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


@dataclass
class Entry:
    order: tuple[int, int]
    text: str
    has_doc: bool
    is_object: bool


def _compose(plan: FilePlan) -> list[Entry]:
    """The file's documents in order: kept and edited ones where they were, new ones at their
    kpt index (before the document that had that index, or at the end)."""
    entries: list[Entry] = []
    last = -1
    chunks = plan.source.chunks if plan.source is not None else []
    for n, chunk in enumerate(chunks):
        last = chunk.index if chunk.index is not None else last
        text = plan.replaced.get(n, chunk.text)
        if text is not None:
            entries.append(Entry((last, n), text, chunk.has_doc, chunk.index is not None))
    entries.extend(Entry((doc.index, -1), doc.text, True, True) for doc in plan.added)
    return sorted(entries, key=lambda e: e.order)


def _join(texts: list[str], f: SourceFile | None) -> str:
    out = ""
    for text in texts:
        if f is not None and f.crlf and "\r\n" not in text:
            text = text.replace("\n", "\r\n")
        if out:
            out += "" if out.endswith("\n") else "\n"
            out += "" if _DOC_START.match(text) else "---\n"
        out += text
    return out


# --- output --------------------------------------------------------------------------------------

def _act(opts: argparse.Namespace, source: Source, outcome: Migration) -> int:
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
            out.append(text if _DOC_START.match(text) else "---\n" + text)
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
        lines = difflib.unified_diff(
            _lines(old or ""), _lines(new or ""),
            "/dev/null" if old is None else f"a/{name}",
            "/dev/null" if new is None else f"b/{name}")
        out.extend(_no_newline_marks(lines))
    return "".join(out)


def _no_newline_marks(lines: Iterator[str]) -> Iterator[str]:
    for line in lines:
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
            fh.write((b"\xef\xbb\xbf" if bom else b"") + content.encode("utf-8"))
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
