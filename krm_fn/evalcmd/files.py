"""Finding the files eval reads, and reading one as checked UTF-8 text."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from ..resourcelist import _CONTROL
from ..results import info
from .problems import fail, report

YAML_SUFFIXES = (".yaml", ".yml")
# A Helm chart's directories of Go templates (an Argo CD app-of-apps chart, say): not YAML until
# `helm template` renders them, and neither kubectl nor kustomize reads them as they are.
CHART_TEMPLATE_DIRS = ("templates", "charts")
UTF8_BOM = b"\xef\xbb\xbf"


def collect(paths: list[str], config: Path) -> tuple[Path, list[Path], list[Path]]:
    """Every YAML file under `paths` (sorted, hidden directories and files skipped), the common
    root their kpt paths are relative to, and the other files (copied by --output). The config
    file is not an item (like `kpt fn eval --fn-config`), so it is left out even when it lives in
    the tree."""
    dirs: list[Path] = []
    found: set[Path] = set()
    extra: set[Path] = set()
    charts: set[Path] = set()
    for arg in paths:
        path = Path(arg)
        if not path.exists():
            raise fail(f"{arg}: no such file or directory")
        path = path.resolve()
        if path.is_dir():
            dirs.append(path)
            for f in walk(path):
                chart = _chart_of(f, path) if f.suffix in YAML_SUFFIXES else None
                if chart is not None:
                    charts.add(chart)
                (found if f.suffix in YAML_SUFFIXES and chart is None else extra).add(f)
        else:
            dirs.append(path.parent)
            found.add(path)
    skip = config.resolve()
    root = Path(os.path.commonpath(dirs))
    _say_charts(charts, root)
    return root, sorted(found - {skip}), sorted(extra | ({skip} & found))


def _chart_of(f: Path, top: Path) -> Path | None:
    """The Helm chart under `top` whose templates/ or charts/ directory holds `f`, if any."""
    for chart in (p for p in f.parents if p == top or top in p.parents):
        if (chart / "Chart.yaml").is_file() and f.relative_to(chart).parts[0] in CHART_TEMPLATE_DIRS:
            return chart
    return None


def _say_charts(charts: set[Path], root: Path) -> None:
    report([info(f"{(chart / 'Chart.yaml').relative_to(root).as_posix()}: a Helm chart: eval does "
                 "not read its templates/ and charts/ (Go templates, not YAML); objects and "
                 "references inside them are not migrated") for chart in sorted(charts)])


def walk(top: Path) -> Iterator[Path]:
    for here, subdirs, names in os.walk(top):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        yield from (Path(here) / n for n in sorted(names) if not n.startswith("."))


def check_output_dir(out: Path, root: Path) -> None:
    out = out.resolve()
    if out == root or root in out.parents or out in root.parents:
        # Inside the tree it would be read next time; above it, it could overwrite the input.
        raise fail(f"--output {out}: must be outside the input tree {root} and not contain it")
    if out.exists() and not out.is_dir():
        raise fail(f"--output {out}: not a directory")


def read_text(path: Path, name: str) -> tuple[str, bytes]:
    """A file's text (without a byte order mark), checked to be UTF-8 with no raw control
    characters, and its bytes. Messages name the file, unlike the function's stdin checks."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise fail(f"{name}: cannot read the file: {exc.strerror or exc}") from None
    bom = data.startswith(UTF8_BOM)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise fail(f"{name}: the file is UTF-16; YAML files must be UTF-8")
    try:
        text = data[3 if bom else 0:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(f"{name}: not a YAML file: not UTF-8 text (invalid byte at offset "
                   f"{exc.start})") from None
    bad = _CONTROL.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise fail(f"{name}: not a YAML file: control character U+{ord(bad.group()):04X} "
                   f"at line {line}")
    return text, data
