"""Documentation (issue 11): a short README, a MkDocs site that builds with --strict, and a config
reference page that cannot drift from `secret-sync schema`.

The oracles are the issue's limits, mkdocs itself (the real tool, as `make docs` runs it), the
generator script run against the installed command, and the field list of DESIGN.md's annotated
SecretSync example, written out here by hand.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import BIN, REPO

MKDOCS = str(BIN / "mkdocs")
# mkdocs-material prints a banner about MkDocs 2.0 on every build unless told not to.
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def mkdocs_build(root: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MKDOCS, "build", "--strict", "-f", str(root / "mkdocs.yml"), "-d", str(site)],
                          capture_output=True, text=True, env=ENV, timeout=120)


def docs_copy(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(REPO / "docs", root / "docs")
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    return root


# --- README ----------------------------------------------------------------------------------------

def test_readme_is_short_and_starts_with_the_two_commands() -> None:
    lines = (REPO / "README.md").read_text().splitlines()
    assert len(lines) < 260, f"README.md has {len(lines)} lines; the docs/ site is the place for more"
    top = "\n".join(lines[:20])
    assert re.search(r"^make run\b", top, re.M) and re.search(r"^make test\b", top, re.M), top


def test_readme_links_point_at_files_that_exist() -> None:
    readme = (REPO / "README.md").read_text()
    targets = re.findall(r"\]\(((?!https?://)[^)#\s]+)(?:#[^)]*)?\)", readme)
    assert targets, "the README links into the docs"
    missing = [t for t in targets if not (REPO / t).exists()]
    assert not missing, missing


# --- the site --------------------------------------------------------------------------------------

def test_site_builds_strict_with_every_page(tmp_path: Path) -> None:
    proc = mkdocs_build(REPO, tmp_path / "site")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "WARNING" not in proc.stderr, proc.stderr
    # Every Markdown file under docs/ became a page: none is left out of the site.
    for page in (REPO / "docs").rglob("*.md"):
        rel = page.relative_to(REPO / "docs").with_suffix("")
        html = tmp_path / "site" / ("index.html" if rel.name == "index" else rel / "index.html")
        assert html.is_file(), f"{page} was not built"
    config_page = (tmp_path / "site" / "reference" / "config" / "index.html").read_text()
    assert "spec.naming.strategy" in config_page


@pytest.mark.parametrize(("page", "link", "named"), [
    ("naming.md", "no-such-page.md", "no-such-page.md"),                        # a missing page
    ("index.md", "integrations/argocd.md#no-such-section", "no-such-section"),  # a missing anchor
    ("integrations/flux.md", "../../README.md", "README.md"),                   # a file outside docs/
])
def test_broken_link_fails_the_strict_build(tmp_path: Path, page: str, link: str, named: str) -> None:
    root = docs_copy(tmp_path)
    path = root / "docs" / page
    path.write_text(path.read_text() + f"\nSee [this]({link}).\n")
    proc = mkdocs_build(root, tmp_path / "site")
    assert proc.returncode != 0
    assert page in proc.stderr and named in proc.stderr, proc.stderr


def test_page_missing_from_the_nav_fails_the_strict_build(tmp_path: Path) -> None:
    root = docs_copy(tmp_path)
    (root / "docs" / "orphan.md").write_text("# Orphan\n\nNo nav entry points here.\n")
    proc = mkdocs_build(root, tmp_path / "site")
    assert proc.returncode != 0
    assert "orphan.md" in proc.stderr, proc.stderr


# --- the generated config reference ----------------------------------------------------------------

def generated_reference() -> str:
    return subprocess.run([sys.executable, str(REPO / "scripts" / "gen-config-reference")],
                          check=True, capture_output=True, text=True).stdout


def test_config_reference_page_matches_secret_sync_schema() -> None:
    committed = (REPO / "docs" / "reference" / "config.md").read_text()
    assert committed == generated_reference(), "run `make schema` to regenerate docs/reference/config.md"


# DESIGN.md's annotated SecretSync: every field a user may set, with its documented default.
DESIGN_FIELDS = {
    "spec.eso.version": '"2.9"', "spec.defaultStore": "", "spec.stores[].name": "",
    "spec.stores[].kind": '"ClusterSecretStore"', "spec.stores[].create": "true",
    "spec.stores[].provider": "", "spec.refresh.interval": "", "spec.refresh.policy": "",
    "spec.naming.strategy": '"hash"', "spec.naming.suffix": '"-eso"',
    "spec.target.creationPolicy": '"Owner"', "spec.target.deletionPolicy": '"Retain"',
    "spec.references.podSpecs[].path": "", "spec.references.fieldSpecs[].kind": "",
    "spec.kes.enabled": "false", "spec.kes.keep": "false", "spec.kes.storeKind": '"ClusterSecretStore"',
    "spec.kes.backends": "", "spec.argocd.syncWaves": "false", "spec.mode": '"transform"',
    "spec.patches[].target.kind": "", "spec.patches[].patch": "",
}


def test_config_reference_documents_every_field() -> None:
    rows = {}
    for line in (REPO / "docs" / "reference" / "config.md").read_text().splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) == 4 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells
    for field, default in DESIGN_FIELDS.items():
        assert field in rows, f"the config reference has no row for {field}"
        assert rows[field][2] == (f"`{default}`" if default else ""), (field, rows[field])
    undocumented = [f for f, cells in rows.items() if not cells[3] and f not in ("apiVersion", "kind")]
    assert not undocumented, f"fields without a description in krm_fn/config.py: {undocumented}"


# --- packaging metadata ----------------------------------------------------------------------------

def test_wheel_builds_without_deprecation_warnings_from_our_metadata(tmp_path: Path) -> None:
    """`pip install .` builds a wheel first; that build is where setuptools warns about metadata."""
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--verbose", "-w", str(tmp_path),
                           str(REPO)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    output = proc.stdout + proc.stderr
    assert not re.search(r"deprecat", output, re.I), [ln for ln in output.splitlines() if "eprecat" in ln]
    (wheel,) = tmp_path.glob("secret_sync-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        meta = zf.read(next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: Apache-2.0" in meta
    assert "Project-URL: Documentation, " in meta
    assert "Keywords: " in meta and "Classifier: " in meta
