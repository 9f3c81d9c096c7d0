"""The kustomizations under PATH, read as `kustomize build` reads them: which files each one
includes as resources, which files are patches or build configuration (never objects), the
patches it applies and the namespace it sets.

Only what lies under PATH is followed: remote bases and files outside the tree are left out, as
eval reads nothing else (remote and outside entries and Helm charts are recorded, to say so).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import yamlio
from ..results import FunctionError, Result
from ..yamlio import YamlError
from . import lenient
from .documents import split_documents
from .files import read_text, walk
from .problems import fail

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
# Entries naming something that is not a local path (git, http, OCI): kustomize fetches them.
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|github\.com/|gitlab\.com/|bitbucket\.org/)")
# How the function is declared in a build, so that eval leaves that build to it.
_FUNCTION_MARK = re.compile(r"secret-sync", re.IGNORECASE)
# kustomize's name transformers: what a kustomization sets to rename every object it builds.
NAME_FIELDS = ("namePrefix", "nameSuffix")
RENAMING_TRANSFORMERS = frozenset({"PrefixSuffixTransformer", "PrefixTransformer",
                                   "SuffixTransformer"})


@dataclass(frozen=True)
class Rename:
    """A setting that renames the objects of a build: where it is, which field, its value."""

    where: str
    field: str
    value: str


@dataclass(frozen=True)
class Target:
    """What a patch applies to (None: any); kustomize's name and kind selectors are regexps."""

    kind: str | None
    name: str | None

    def matches(self, kind: str, name: str) -> bool:
        return all(want is None or _full_match(want, have)
                   for want, have in ((self.kind, kind), (self.name, name)))


ANY = Target(None, None)


@dataclass(frozen=True)
class Patch:
    where: str                      # the patch file, or the kustomization for an inline patch
    target: Target
    docs: tuple[Any, ...] = ()      # the patch as data (a JSON 6902 patch is one list)


@dataclass
class Kustomization:
    path: Path                      # the kustomization file
    rel: str
    namespace: str | None = None
    resources: list[Path] = field(default_factory=list)     # resource files
    includes: list[Path] = field(default_factory=list)      # kustomization dirs it builds on
    configs: list[Path] = field(default_factory=list)       # patch and config files: not objects
    config_dirs: list[Path] = field(default_factory=list)   # transformer/generator kustomizations
    patches: list[Patch] = field(default_factory=list)
    declares_function: bool = False
    components: list[Path] = field(default_factory=list)     # also in includes
    configurations: list[Path] = field(default_factory=list)  # kustomize transformer configs
    renames: list[Rename] = field(default_factory=list)       # its own namePrefix/nameSuffix...
    remote: list[str] = field(default_factory=list)           # what it fetches or renders
    name_uses: list[Patch] = field(default_factory=list)      # entries that name objects
    openapi: Path | None = None                               # its schema for kustomize

    @property
    def dir(self) -> Path:
        return self.path.parent


def find_kustomization(directory: Path) -> Path | None:
    for name in KUSTOMIZATION_FILES:
        if (directory / name).is_file():
            return directory / name
    return None


def discover(root: Path) -> tuple[dict[Path, Kustomization], list[Result]]:
    """Every kustomization under `root`, by its directory (hidden directories skipped, as for
    the files eval reads), and the problems of those that cannot be read."""
    found: dict[Path, Kustomization] = {}
    problems: list[Result] = []
    for path in walk(root):
        if path.name in KUSTOMIZATION_FILES and path.parent not in found:
            try:
                found[path.parent] = read(path, path.relative_to(root).as_posix(), root)
            except FunctionError as exc:
                problems.extend(exc.results)
    return found, problems


def read(path: Path, rel: str, root: Path) -> Kustomization:
    text, _ = read_text(path, rel)
    parsed = lenient.parse(text, rel)[1]
    try:
        data = yamlio.load_text(parsed)
    except YamlError as exc:
        raise fail(f"{rel}: {exc}") from None
    if not isinstance(data, dict):
        raise fail(f"{rel}: a kustomization must be a mapping")
    k = Kustomization(path, rel)
    ns = data.get("namespace")
    k.namespace = str(ns) if isinstance(ns, (str, int)) and str(ns) else None
    k.renames = [Rename(rel, key, str(data[key])) for key in NAME_FIELDS if _str(data.get(key))]
    for key, reader in _FIELDS:
        for entry in _entries(data.get(key)):
            reader(k, entry, root)
    _openapi(k, data.get("openapi"), root)
    return k


def _openapi(k: Kustomization, entry: Any, root: Path) -> None:
    """`openapi: {path: ...}`: a schema (which kinds are cluster-scoped), not objects."""
    path = _local(k, entry.get("path"), root) if isinstance(entry, dict) else None
    if path is not None and path.is_file():
        k.configs.append(path)
        k.openapi = path


def _entries(value: Any) -> Iterator[Any]:
    yield from (value if isinstance(value, list) else [])


def _local(k: Kustomization, entry: Any, root: Path) -> Path | None:
    """A local path under `root` named by an entry; None for remote or outside entries."""
    if not isinstance(entry, str) or not entry or _REMOTE.match(entry) or "\n" in entry:
        return None
    path = Path(os.path.normpath(k.dir / entry))
    return path if path == root or root in path.parents else None


def _resource(k: Kustomization, entry: Any, root: Path) -> None:
    _note_unread(k, entry, root)
    path = _local(k, entry, root)
    if path is not None and path.is_dir():
        k.includes.append(path)
    elif path is not None and path.is_file():
        k.resources.append(path)


def _component(k: Kustomization, entry: Any, root: Path) -> None:
    _note_unread(k, entry, root)
    path = _local(k, entry, root)
    if path is not None and path.is_dir():
        k.includes.append(path)
        k.components.append(path)


def _note_unread(k: Kustomization, entry: Any, root: Path) -> None:
    """Remember a resource or component that eval does not read, to say so."""
    if not isinstance(entry, str) or not entry or "\n" in entry:
        return
    if _REMOTE.match(entry):
        k.remote.append(f"remote entry {entry!r}")
    elif _local(k, entry, root) is None:
        k.remote.append(f"entry {entry!r}, outside PATH,")


def _helm_chart(k: Kustomization, entry: Any, root: Path) -> None:
    """Objects that kustomize renders from a chart: eval does not render charts."""
    name = entry.get("name") if isinstance(entry, dict) else None
    k.remote.append(f"Helm chart {str(name)!r} (helmCharts)")


def _transformer(k: Kustomization, entry: Any, root: Path) -> None:
    """A transformer config; kustomize's own prefix/suffix transformers rename objects too."""
    _config(k, entry, root)
    path = _local(k, entry, root)
    if path is not None and path.is_file():
        k.renames.extend(renames_in(path, path.relative_to(root).as_posix()))


def renames_in(path: Path, rel: str) -> list[Rename]:
    """The prefix/suffix that kustomize's name transformers configured in `path` set."""
    out: list[Rename] = []
    for doc in documents(path):
        if isinstance(doc, dict) and doc.get("kind") in RENAMING_TRANSFORMERS:
            out.extend(Rename(rel, f"{doc['kind']} {key}", str(doc[key]))
                       for key in ("prefix", "suffix") if _str(doc.get(key)))
    return out


def _configuration(k: Kustomization, entry: Any, root: Path) -> None:
    _plain_file(k, entry, root)
    path = _local(k, entry, root)
    if path is not None and path.is_file():
        k.configurations.append(path)


def _config(k: Kustomization, entry: Any, root: Path) -> None:
    """A transformer/generator/validator entry: a config file (maybe the function's own) or a
    kustomization of them. Neither holds objects of the build."""
    path = _local(k, entry, root)
    if path is not None and path.is_dir():
        k.config_dirs.append(path)
    elif path is not None and path.is_file():
        k.configs.append(path)
        k.declares_function |= _declares_function(path)


def _declares_function(path: Path) -> bool:
    try:
        text = path.read_text("utf-8", errors="replace")
    except OSError:
        return False
    declared = "config.kubernetes.io/function" in text and _FUNCTION_MARK.search(text) is not None
    return declared or "kind: SecretSync" in text


def _plain_file(k: Kustomization, entry: Any, root: Path) -> None:
    path = _local(k, entry, root)
    if path is not None and path.is_file():
        k.configs.append(path)


def _generator(k: Kustomization, entry: Any, root: Path) -> None:
    """configMapGenerator/secretGenerator: their `files`, `envs` and `env` are inputs, not objects."""
    if not isinstance(entry, dict):
        return
    for item in [*_entries(entry.get("files")), *_entries(entry.get("envs")), entry.get("env")]:
        _plain_file(k, str(item).rpartition("=")[2] if isinstance(item, str) else item, root)


def _secret_generator(k: Kustomization, entry: Any, root: Path) -> None:
    """One that merges into or replaces a Secret of a base names that Secret."""
    _generator(k, entry, root)
    if isinstance(entry, dict) and entry.get("behavior") in ("merge", "replace"):
        k.name_uses.append(Patch(f"{k.rel} secretGenerator", ANY,
                                 ({"kind": "Secret", "name": entry.get("name")},)))


def _with_path(k: Kustomization, entry: Any, root: Path) -> None:
    """`replacements`: a file or inline; its sources and targets name objects."""
    if not isinstance(entry, dict):
        return
    path = _local(k, entry.get("path"), root)
    if path is not None and path.is_file():
        k.configs.append(path)
        k.name_uses.append(Patch(path.relative_to(root).as_posix(), ANY, tuple(documents(path))))
    else:
        k.name_uses.append(Patch(f"{k.rel} replacements", ANY, (entry,)))


def _var(k: Kustomization, entry: Any, root: Path) -> None:
    k.name_uses.append(Patch(f"{k.rel} vars", ANY, (entry,)))


def _patch(k: Kustomization, entry: Any, root: Path) -> None:
    """`patches` and `patchesJson6902`: a file or an inline patch, with or without a target."""
    if not isinstance(entry, dict):
        return
    where, docs = k.rel, []
    path = _local(k, entry.get("path"), root)
    if path is not None and path.is_file():
        k.configs.append(path)
        where, docs = path.relative_to(root).as_posix(), documents(path)
    elif isinstance(entry.get("patch"), str):
        docs = _parse_all(entry["patch"])
    selector = entry.get("target")
    if isinstance(selector, dict):
        target = Target(_str(selector.get("kind")), _str(selector.get("name")))
        k.patches.append(Patch(where, target, tuple(docs)))
    else:
        k.patches.extend(Patch(where, _target_of(d), (d,)) for d in docs if isinstance(d, dict))


def _strategic_merge(k: Kustomization, entry: Any, root: Path) -> None:
    """`patchesStrategicMerge`: a file or inline YAML; the patch names its own target."""
    path = _local(k, entry, root)
    if path is not None and path.is_file():
        k.configs.append(path)
        where, docs = path.relative_to(root).as_posix(), documents(path)
    elif isinstance(entry, str):
        where, docs = k.rel, _parse_all(entry)
    else:
        return
    k.patches.extend(Patch(where, _target_of(d), (d,)) for d in docs if isinstance(d, dict))


def _target_of(doc: dict[Any, Any]) -> Target:
    meta = doc.get("metadata")
    return Target(_str(doc.get("kind")), _str(meta.get("name")) if isinstance(meta, dict) else None)


def _str(value: Any) -> str | None:
    return str(value) if isinstance(value, (str, int)) and str(value) else None


def documents(path: Path) -> list[Any]:
    try:
        return _parse_all(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError):
        return []  # read_text reports it when the file is read as part of PATH


def _parse_all(text: str) -> list[Any]:
    out: list[Any] = []
    for chunk in split_documents(text):
        try:
            out.append(yamlio.load_text(chunk))
        except YamlError:
            continue
    return out


def _full_match(pattern: str, value: str) -> bool:
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return pattern == value


_FIELDS: tuple[tuple[str, Callable[[Kustomization, Any, Path], None]], ...] = (
    ("resources", _resource),
    ("bases", _resource),
    ("components", _component),
    ("patches", _patch),
    ("patchesJson6902", _patch),
    ("patchesStrategicMerge", _strategic_merge),
    ("transformers", _transformer),
    ("generators", _config),
    ("validators", _config),
    ("configMapGenerator", _generator),
    ("secretGenerator", _secret_generator),
    ("replacements", _with_path),
    ("vars", _var),
    ("helmCharts", _helm_chart),
    ("crds", _plain_file),
    ("configurations", _configuration),
)
