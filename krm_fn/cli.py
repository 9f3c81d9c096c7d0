"""Command line: `secret-sync` (KRM function), `schema`, `validate`, `eval`, `--help`, `--version`.

Kept import-light on purpose: a KRM function starts on every build, so modules are imported only
by the command that needs them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

USAGE = """\
secret-sync: a KRM function that replaces placeholder Secrets (and legacy KES objects) with
External Secrets Operator ExternalSecrets and stores, and rewrites workload references.

Usage:
  secret-sync                     KRM function: ResourceList on stdin, ResourceList on stdout
  secret-sync validate            fail when a Secret with inline data remains (validator)
  secret-sync schema              print the JSON Schema of the SecretSync function config
  secret-sync eval PATH... --config FILE [--in-place | --output DIR] [--diff]
                                  run the transformation over YAML files on disk
  secret-sync --help | --version

Function config: apiVersion secret-sync.dev/v1alpha1, kind SecretSync (or a flat ConfigMap).
Placeholder: a v1 Secret annotated secret-sync.dev/remote-key: <remote secret>, with empty values.
Errors exit 1 with a message on stderr and no items on stdout. SECRET_SYNC_DEBUG=1 shows tracebacks.
Docs: README.md and docs/ of the secret-sync project.
"""


def entry() -> None:
    """The `secret-sync` command: main(), then exit without tearing the interpreter down.

    Python's exit finalizes every module and frees every object one by one: a few ms of a run that
    Argo CD starts thousands of times an hour, for memory the kernel reclaims at once anyway.
    Output is flushed first; a flush that fails (a closed pipe) exits 120 as Python would."""
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:
        code = code or 120
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        return run_function(None)
    command, rest = args[0], args[1:]
    if command in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        return 0
    if command in ("-V", "--version", "version"):
        from . import __version__
        sys.stdout.write(f"secret-sync {__version__}\n")
        return 0
    if command == "schema":
        import json

        from .config import json_schema
        sys.stdout.write(json.dumps(json_schema(), indent=2, sort_keys=False) + "\n")
        return 0
    if command == "validate" and not rest:
        return run_function("validate")
    if command == "eval":
        from . import evalcmd  # type: ignore[attr-defined, unused-ignore]
        code: int = evalcmd.main(rest)
        return code
    sys.stderr.write(f"secret-sync: unknown command {' '.join(args)!r}\n\n{USAGE}")
    return 2


def run_function(mode: str | None) -> int:
    import gc

    # One pass that builds no garbage cycles worth collecting: the collector's scans of the live
    # objects only cost time (7% of a 10,000-item run) and grow with the input.
    gc.disable()
    try:
        return _run_function(mode)
    finally:
        gc.enable()


def _run_function(mode: str | None) -> int:
    from .results import FunctionError
    from .yamlio import YamlError

    api_version = "config.kubernetes.io/v1"
    rl = None
    try:
        from . import pipeline, resourcelist

        # Never hold more than the limit (plus one byte, to tell "too big") in memory; the bytes
        # are not kept once parsed (the tree has its own copy).
        rl = resourcelist.read(sys.stdin.buffer.read(resourcelist.max_input_bytes() + 1))
        api_version = rl.api_version
        outcome = pipeline.run(rl, mode)
        if any(r.severity == "error" for r in outcome.results):
            raise FunctionError(*outcome.results)
        chunks = resourcelist.render(rl, outcome.items, outcome.results)
    except FunctionError as exc:
        return _fail(api_version, exc.results)
    except YamlError as exc:  # met by a step while reading the input: the input's fault, not a bug
        from .results import error
        return _fail(api_version, [resourcelist.yaml_problem(rl, exc) if rl is not None
                                   else error(str(exc))])
    except Exception as exc:  # a bug: say so without a traceback or any value from the input
        if os.environ.get("SECRET_SYNC_DEBUG") == "1":
            raise
        from .results import error
        return _fail(api_version, [error(f"internal error ({type(exc).__name__}); "
                                         "rerun with SECRET_SYNC_DEBUG=1 for details")])
    _report(outcome.results)
    if outcome.notes and resourcelist.from_kustomize(rl):
        # kustomize never shows info results: the cut-over guidance would be lost (kpt shows it).
        sys.stderr.write("".join(f"secret-sync: note: {n}\n" for n in outcome.notes))
    try:
        sys.stdout.buffer.writelines(chunks)
        sys.stdout.buffer.flush()
    except OSError as exc:  # e.g. the reader closed the pipe: say so, without a traceback
        sys.stderr.write(f"secret-sync: error: cannot write the output ({exc.strerror or type(exc).__name__})\n")
        return 1
    return 0


def _fail(api_version: str, results: Sequence[object]) -> int:
    from .resourcelist import render_error
    from .results import Result

    typed = [r for r in results if isinstance(r, Result)]
    _report(typed)
    sys.stdout.buffer.write(render_error(api_version, typed).encode("utf-8"))
    return 1


def _report(results: Sequence[object]) -> None:
    from .results import Result

    for r in results:
        if isinstance(r, Result) and r.severity != "info":
            sys.stderr.write(f"secret-sync: {r.describe()}\n")


if __name__ == "__main__":
    sys.exit(main())
