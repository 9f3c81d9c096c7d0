"""Reading the input: the config and every YAML file, split into documents, with the Kubernetes
objects among them annotated for the function (see annotate.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ryml

from .. import yamlio
from ..results import FileRef, FunctionError, warning
from ..yamlio import YamlError
from . import lenient
from .annotate import annotate
from .documents import document_nodes, emit_document, split_documents
from .files import UTF8_BOM, check_output_dir, collect, read_text
from .kustomizations import Kustomization, discover
from .lists import check_list, is_list
from .problems import fail, report
from .universes import Universe, build_universes, not_objects

# Build configuration of kustomize and kpt: YAML files in a repository that are not resources.
CONFIG_GROUPS = ("kustomize.config.k8s.io", "kpt.dev", "config.kubernetes.io")


@dataclass
class Chunk:
    """One YAML document of a file, exactly as written (with its `---` line, if any)."""

    text: str
    parsed: str = ""               # the text ryml read: `text`, or its rewrite (lenient.py)
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
    universes: list[Universe] = field(default_factory=list)
    kustomizations: dict[Path, Kustomization] = field(default_factory=dict)


def load(paths: list[str], config: Path, output: str | None = None) -> Source:
    """Everything eval reads. Problems of every file are reported together (then it stops)."""
    config_text = _read_config(config)
    root, files, extra = collect(paths, config)
    if output is not None:
        check_output_dir(Path(output), root)
    found, problems = discover(root)
    skip = not_objects(found)
    counter = iter(range(1, 1 << 62))
    sources: list[SourceFile] = []
    for f in files:
        try:
            sources.append(_read_source(root, f, counter, f in skip))
        except FunctionError as exc:
            problems.extend(exc.results)
    if problems:  # a broken kustomization.yaml is also a file read: report it once
        raise FunctionError(*{r.describe(): r for r in problems}.values())
    universes = build_universes(root, found, [s.path for s in sources])
    return Source(root, sources, config_text, extra, universes, found)


def _parse(text: str, name: str) -> ryml.Tree:
    return lenient.parse(text, name)[0]


def _read_config(path: Path) -> str:
    text, _raw = read_text(path, f"--config {path}")
    tree, text = lenient.parse(text, f"--config {path}")
    docs = document_nodes(tree)
    if len(docs) != 1 or not tree.is_map(docs[0]):
        raise fail(f"--config {path}: expected one YAML document, a SecretSync or ConfigMap "
                   f"function config (found {len(docs)} documents)")
    return emit_document(tree, docs[0], text)


def _read_source(root: Path, path: Path, counter: Iterator[int], config: bool) -> SourceFile:
    """A file's documents; the objects among them annotated. `config`: a patch or build
    configuration file, whose documents are never objects."""
    rel = path.relative_to(root).as_posix()
    text, raw = read_text(path, rel)
    _parse(text, rel)  # the whole file first, so a syntax error names the file's own line
    chunks = [Chunk(t) for t in split_documents(text)]
    index = 0
    for n, chunk in enumerate(chunks):
        parsed = _read_chunk(chunk, rel, n)
        if config or _is_patch(chunk.data):
            continue
        if parsed is not None:
            chunk.index, chunk.uid = index, str(next(counter))
            chunk.item, chunk.sent = annotate(*parsed, chunk.parsed, rel, index, chunk.uid)
            index += 1
    return SourceFile(path, rel, raw, chunks, raw.startswith(UTF8_BOM), "\r\n" in text)


def _read_chunk(chunk: Chunk, rel: str, n: int) -> tuple[ryml.Tree, int] | None:
    """Parse one document; its tree and node when it is a Kubernetes object for the function."""
    tree, chunk.parsed = lenient.parse(chunk.text, f"{rel} (document {n + 1})")
    docs = document_nodes(tree)
    if len(docs) > 1:
        raise fail(f"{rel}: cannot split the file into YAML documents at document {n + 1}")
    if not docs:
        return None
    node = docs[0]
    chunk.has_doc = tree.is_container(node) or not tree.val_is_null(node)
    if not tree.is_map(node):
        return None
    try:
        chunk.data = yamlio.to_python(tree, node)
    except YamlError as exc:
        raise fail(f"{rel} (document {n + 1}): {exc}") from None
    return (tree, node) if _is_object(chunk.data, rel, n) else None


def _is_patch(data: Any) -> bool:
    """A strategic-merge patch document (`$patch: delete`, ...): it changes an object, it is
    none itself, wherever it lives."""
    meta = data.get("metadata") if isinstance(data, dict) else None
    return isinstance(data, dict) and ("$patch" in data or (isinstance(meta, dict) and any(
        str(k).startswith("$") for k in meta)))


def _is_object(data: dict[Any, Any], rel: str, n: int) -> bool:
    """Mappings without apiVersion and kind (Helm values, CI files) are not resources; a
    resource without a name is left alone with a warning (kpt would refuse the package)."""
    api_version, kind = data.get("apiVersion"), data.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return False
    if is_list(data):
        report([check_list(data, FileRef(rel, n))])
        return False
    meta = data.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    if isinstance(name, (str, int, float)) and not isinstance(name, bool) and name != "":
        return True  # kustomize reads a plain `name: 123` as the string "123"; so does the function
    if api_version.rpartition("/")[0] not in CONFIG_GROUPS:
        report([warning(f"{kind} has no metadata.name: not a Kubernetes object, left unchanged",
                        file=FileRef(rel, n))])
    return False
