"""Per-object conversion state: where results go and how they name the object and field."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Source
from ..results import Result, error, info, warning


@dataclass
class Ctx:
    """Collects the results of converting one KES object.

    `root` is the field path of the KES spec: `spec`, or `secretDescriptor` for objects that still
    use the deprecated alias, so every field path points at what the user actually wrote.
    """

    source: Source
    root: str = "spec"
    results: list[Result] = field(default_factory=list)

    def at(self, rel: str) -> str:
        return f"{self.root}.{rel}" if rel else self.root

    def error(self, path: str | None, message: str) -> None:
        self.results.append(error(message, **self._where(path)))

    def warn(self, path: str | None, message: str) -> None:
        self.results.append(warning(message, **self._where(path)))

    def info(self, path: str | None, message: str) -> None:
        self.results.append(info(message, **self._where(path)))

    @property
    def failed(self) -> bool:
        return any(r.severity == "error" for r in self.results)

    def _where(self, path: str | None) -> dict[str, object]:
        return {"resource": self.source.ref, "file": self.source.file, "field": path}
