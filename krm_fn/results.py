"""Function results (the `results` list of a ResourceList) and the error that carries them.

Shaped like kyaml's fn framework: every finding is a Result; any `error` result fails the run
(exit 1, no items), because kustomize and Argo CD ignore `results` and only see the exit code.
"""

from __future__ import annotations

from .records import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from typing import Any, Literal

    Severity = Literal["error", "warning", "info"]

# Records here and in the other modules of the function's start path are NamedTuples or small
# classes, not dataclasses: importing dataclasses pulls in inspect, ast and dis, about 10 ms of a
# run that kustomize makes on every build.


class ResourceRef(NamedTuple):
    api_version: str
    kind: str
    name: str
    namespace: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"apiVersion": self.api_version, "kind": self.kind, "name": self.name}
        if self.namespace:
            out["namespace"] = self.namespace
        return out

    def describe(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name}"


class FileRef:
    """A file and the index of the object in it (kpt's path/index annotations), or only the file
    (index None: kustomize's `config.kubernetes.io/origin` names the file, not the position).
    A class, not a NamedTuple: a field named `index` would shadow tuple.index."""

    __slots__ = ("index", "path")

    def __init__(self, path: str, index: int | None = 0) -> None:
        self.path = path
        self.index = index

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FileRef) and (self.path, self.index) == (other.path, other.index)

    def __hash__(self) -> int:
        return hash((self.path, self.index))

    def __repr__(self) -> str:
        return f"FileRef(path={self.path!r}, index={self.index!r})"


class Result(NamedTuple):
    message: str
    severity: Severity = "error"
    resource: ResourceRef | None = None
    field: str | None = None
    file: FileRef | None = None
    tags: dict[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message, "severity": self.severity}
        if self.resource is not None:
            out["resourceRef"] = self.resource.to_dict()
            if self.field:
                out["field"] = {"path": self.field}
        if self.file is not None:
            out["file"] = {"path": self.file.path}
            if self.file.index is not None:
                out["file"]["index"] = self.file.index
        if self.tags:
            out["tags"] = dict(self.tags)
        return out

    def describe(self) -> str:
        """One line for stderr: severity, file, object, field, message."""
        parts: list[str] = [self.severity]
        if self.file is not None:
            parts.append(self.file.path if self.file.index is None
                         else f"{self.file.path}[{self.file.index}]")
        if self.resource is not None:
            parts.append(self.resource.describe())
        if self.field:
            parts.append(f"field {self.field}")
        return ": ".join(parts) + ": " + self.message


class FunctionError(Exception):
    """Stops the run. Carries one or more error results; never carries secret values."""

    def __init__(self, *results: Result) -> None:
        super().__init__("; ".join(r.message for r in results))
        self.results = list(results)


def error(message: str, **kw: Any) -> Result:
    return Result(message=message, severity="error", **kw)


def warning(message: str, **kw: Any) -> Result:
    return Result(message=message, severity="warning", **kw)


def info(message: str, **kw: Any) -> Result:
    return Result(message=message, severity="info", **kw)
