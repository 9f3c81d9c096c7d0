"""Importing ryml without its `deprecation` dependency.

ryml's Python layer imports the `deprecation` package only to decorate a few old functions that
secret-sync never calls. That import pulls in packaging, datetime, textwrap and typing: about 4 ms
of every start, and a KRM function under Argo CD starts thousands of times an hour. A stand-in
decorator takes its place for the duration of the import and is removed afterwards, so any other
code still imports the real package. yamlio imports this module first; every later `import ryml`
gets the module already loaded.
"""

from __future__ import annotations

import sys


def _stand_in_decorator(**_details: object) -> object:
    return lambda function: function


def _import_ryml() -> None:
    if "ryml" in sys.modules or "deprecation" in sys.modules:
        return  # already loaded (tests, eval): nothing to save
    stand_in = type(sys)("deprecation")
    stand_in.deprecated = _stand_in_decorator  # type: ignore[attr-defined]
    sys.modules["deprecation"] = stand_in
    try:
        import ryml  # noqa: F401
    finally:
        if sys.modules.get("deprecation") is stand_in:
            del sys.modules["deprecation"]


_import_ryml()
