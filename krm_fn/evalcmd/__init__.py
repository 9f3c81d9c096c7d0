"""`secret-sync eval PATH... --config FILE [--in-place | --output DIR] [--diff]`.

Runs the KRM function's transformation over YAML files on disk, for a one-off migration of a
repository without kpt or a cluster. It works like `kpt fn eval`: every object gets kpt's path and
index annotations plus an id, the whole set goes through the same pipeline as one ResourceList,
and the output is mapped back to files by those annotations.

Unlike kpt it writes back with the smallest possible change, because the diff of a migration is
reviewed by people: a file whose objects are unchanged is not touched; within a changed file,
unchanged documents keep their bytes; a changed document gets only its changed scalars replaced
in the original text, so comments, key order, quoting and indentation of everything else survive.

The steps, in order, one module each (main below runs them):
  options    the command line
  source     read the config and the files (files.py; lenient.py when ryml refuses what
             go-yaml reads), split them into documents (documents.py) and annotate the objects
             with kpt's path, index and id (annotate.py)
  kustomizations, universes
             the kustomizations under PATH and the build roots among them: each root is a
             universe of its own (its files, the namespaces and patches its build applies); the
             files no kustomization lists are one more
  builds     run the pipeline once per universe (function.py), plan each file's change
             (placement.py) and merge: a file shared by builds must get one edit from all;
             what the build of a root would get wrong is an error (rootchecks.py: store files
             that the root renames; remote entries and Helm charts, which are not read, warn)
  resources  list new store files in the root kustomization's `resources:`
  placement  map the output back to files: kept, removed, new; a kept object the function
             changed is edited in its text (edit.py: changes.py, splice.py, roundtrip.py)
  compose    each file's new text
  write      print the stream or a diff, or write the files
problems.py reports errors and warnings on stderr.

ruamel.yaml, used to locate and rewrite scalars, is imported only by this package (splice.py,
roundtrip.py): the KRM function path never loads it, its start-up time matters on every build.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

from ..results import FileRef, FunctionError, error
from .builds import plan_all
from .changes import Change, apply, diff, same
from .compose import Migration, compose_all
from .documents import split_documents
from .edit import edit_document
from .function import resource_list
from .options import USAGE, parse_args
from .problems import fail, report
from .resources import add_resources
from .source import Source, load
from .write import act, unified_diff

__all__ = [
    "USAGE", "Change", "FileRef", "Migration", "Source", "apply", "diff", "edit_document", "load",
    "main", "resource_list", "same", "split_documents", "transform", "unified_diff",
]


def main(args: list[str]) -> int:
    opts = parse_args(args)
    try:
        if opts.config is None:
            raise fail("eval needs the function config: --config FILE (a SecretSync or "
                       "ConfigMap, as for `kpt fn eval --fn-config`)")
        source = load(opts.paths, Path(opts.config), opts.output)
        outcome = transform(source)
    except FunctionError as exc:
        report(exc.results)
        return 1
    except Exception as exc:  # a bug: say so, without a traceback or any value from the input
        if os.environ.get("SECRET_SYNC_DEBUG") == "1":
            raise
        report([error(f"internal error ({type(exc).__name__}); "
                      "rerun with SECRET_SYNC_DEBUG=1 for details")])
        return 1
    return act(opts, source, outcome)


def transform(source: Source) -> Migration:
    """Run the function over each universe's objects and work out each file's new text; the
    kustomizations of builds that got new files (stores) list them."""
    plans, planned = plan_all(source)
    migration = compose_all(source, plans)
    for p in planned:
        k = p.universe.kustomization
        new = sorted(rel for rel, fp in p.plans.items() if fp.source is None)
        if k is None or not new:
            continue
        rel = k.path.relative_to(source.root).as_posix()
        text = migration.after.get(rel) or k.path.read_text("utf-8")
        migration.before.setdefault(rel, text)
        home = p.universe.home
        entries = [posixpath.relpath(n, home) if home else n for n in new]
        migration.after[rel] = add_resources(text, entries, rel)
    return migration
