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
  source     read the config and the files (files.py), split them into documents (documents.py)
             and annotate the objects with kpt's path, index and id (annotate.py)
  function   run the pipeline once over every object, as one ResourceList
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
from pathlib import Path

from ..results import FileRef, FunctionError, error
from .changes import Change, apply, diff, same
from .compose import Migration, compose_all
from .documents import split_documents
from .edit import edit_document
from .function import resource_list, run
from .options import USAGE, parse_args
from .placement import plan
from .problems import fail, report
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
    """Run the function over every object read and work out each file's new text."""
    return compose_all(source, plan(source, run(source)))
