"""`TYPE_CHECKING` and the `NamedTuple` class syntax without importing `typing` at run time.

`typing` (with contextlib and warnings, which it imports) costs about 3 ms of every start, and a
KRM function under Argo CD starts thousands of times an hour; the function's start path uses it
only for annotations and NamedTuple records. Modules there import the two names from here:

    from .records import TYPE_CHECKING, NamedTuple
    if TYPE_CHECKING:
        from typing import Any

mypy reads `TYPE_CHECKING` as true by its name and sees `typing.NamedTuple`; at run time the
records are tuple classes with named fields, like the ones typing.NamedTuple builds, with the
class body's methods and properties.
"""

from __future__ import annotations

from operator import itemgetter as _itemgetter

TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import NamedTuple as NamedTuple
else:

    def _record(name, fields, defaults, namespace):
        """A tuple class with named fields, like collections.namedtuple makes. namedtuple compiles
        a `__new__` from source for every class (about 0.1 ms each, on every start); this one
        `__new__` serves all records."""
        size = len(fields)

        def __new__(cls, *args, **kwargs):
            if kwargs or len(args) != size:
                args = _complete(name, fields, defaults, args, kwargs)
            return tuple.__new__(cls, args)

        def __repr__(self):
            return f"{name}({', '.join(f'{f}={v!r}' for f, v in zip(fields, self, strict=True))})"

        def _replace(self, **changes):
            unknown = changes.keys() - set(fields)
            if unknown:
                raise TypeError(f"{name}._replace() got unexpected field names {sorted(unknown)!r}")
            return tuple.__new__(type(self), [changes.get(f, v) for f, v in zip(fields, self, strict=True)])

        def _asdict(self):
            return dict(zip(fields, self, strict=True))

        body = {"__slots__": (), "__new__": __new__, "__repr__": __repr__, "_fields": fields,
                "__getnewargs__": lambda self: tuple(self), "__match_args__": fields,
                "_replace": _replace, "_asdict": _asdict}
        body.update((f, property(_itemgetter(i), doc=f"field {f}")) for i, f in enumerate(fields))
        body.update((k, v) for k, v in namespace.items() if k not in fields and k != "__annotations__")
        return type(name, (tuple,), body)

    def _complete(name, fields, defaults, args, kwargs):
        """All field values from positional and keyword arguments and the defaults."""
        if len(args) > len(fields):
            raise TypeError(f"{name}() takes {len(fields)} arguments, {len(args)} given")
        values = list(args)
        first_default = len(fields) - len(defaults)
        for i in range(len(args), len(fields)):
            if fields[i] in kwargs:
                values.append(kwargs.pop(fields[i]))
            elif i >= first_default:
                values.append(defaults[i - first_default])
            else:
                raise TypeError(f"{name}() missing required argument: {fields[i]!r}")
        if kwargs:
            raise TypeError(f"{name}() got an unexpected keyword argument {next(iter(kwargs))!r}")
        return values

    class _RecordMeta(type):
        def __new__(cls, name, bases, namespace):
            if not bases:  # the NamedTuple base class itself
                return super().__new__(cls, name, bases, namespace)
            fields = tuple(namespace.get("__annotations__", {}))
            defaults = tuple(namespace[f] for f in fields if f in namespace)
            return _record(name, fields, defaults, namespace)

    class NamedTuple(metaclass=_RecordMeta):
        """Base class: `class Point(NamedTuple): x: int; y: int = 0`, as with typing.NamedTuple."""
