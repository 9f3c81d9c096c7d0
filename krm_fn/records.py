"""`TYPE_CHECKING` and the `NamedTuple` class syntax without importing `typing` at run time.

`typing` (with contextlib and warnings, which it imports) costs about 3 ms of every start, and a
KRM function under Argo CD starts thousands of times an hour; the function's start path uses it
only for annotations and NamedTuple records. Modules there import the two names from here:

    from .records import TYPE_CHECKING, NamedTuple
    if TYPE_CHECKING:
        from typing import Any

mypy reads `TYPE_CHECKING` as true by its name and sees `typing.NamedTuple`; at run time the
records are `collections.namedtuple` classes (what typing.NamedTuple builds too) with the class
body's methods and properties.
"""

from __future__ import annotations

import collections

TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import NamedTuple as NamedTuple
else:

    class _RecordMeta(type):
        def __new__(cls, name, bases, namespace):
            if not bases:  # the NamedTuple base class itself
                return super().__new__(cls, name, bases, namespace)
            fields = list(namespace.get("__annotations__", {}))
            defaults = [namespace[f] for f in fields if f in namespace]
            record = collections.namedtuple(name, fields, defaults=defaults, module=namespace["__module__"])
            for key, value in namespace.items():
                if key not in fields and key not in ("__annotations__", "__module__", "__qualname__"):
                    setattr(record, key, value)
            record.__qualname__ = namespace.get("__qualname__", name)
            return record

    class NamedTuple(metaclass=_RecordMeta):
        """Base class: `class Point(NamedTuple): x: int; y: int = 0`, as with typing.NamedTuple."""
