"""`spec.patches`: RFC 6902 JSON patches applied to generated objects (then validated again)."""

from __future__ import annotations

from .metadata import namespace_key
from .records import TYPE_CHECKING
from .results import Result, error

if TYPE_CHECKING:
    from typing import Any

    from .config import Patch
    from .model import Source

Names = tuple[tuple[str, str], ...]  # (name, namespace) pairs an object answers to


def _names(obj: dict[str, Any], source: Source | None) -> Names:
    """The generated name, then the names of the placeholder or KES object it comes from, as
    written and as renamed by namePrefix/nameSuffix/namespace (kustomize's previous names): a
    patch written against the base keeps matching in every overlay, whatever the hash."""
    meta = obj.get("metadata", {})
    own = ((str(meta.get("name")), namespace_key(meta.get("namespace"))),)
    return own + source.aliases if source is not None else own


def _matches(patch: Patch, kind: Any, names: Names) -> bool:
    t = patch.target
    if t.kind is not None and t.kind != kind:
        return False
    wanted_ns = namespace_key(t.namespace) if t.namespace is not None else None
    return any((t.name is None or t.name == name) and (wanted_ns is None or wanted_ns == ns)
               for name, ns in names)


def _identity(obj: Any) -> tuple[Any, ...]:
    """What a patch may not change: the object's identity and the Secret it writes (the
    references were planned for it), and the shape the rest of the pipeline reads."""
    if not isinstance(obj, dict) or not isinstance(obj.get("metadata"), dict):
        return ("not an object",)
    meta, spec = obj["metadata"], obj.get("spec")
    target = spec.get("target") if isinstance(spec, dict) else None
    return (obj.get("apiVersion"), obj.get("kind"), meta.get("name"), meta.get("namespace"),
            target.get("name") if isinstance(target, dict) else None,
            isinstance(meta.get("annotations", {}), dict), isinstance(meta.get("labels", {}), dict))


# Why an op failed, by jsonpatch's exception class (most specific first). Never the exception's
# text: it quotes the object (`member 'x' not found in {...}`) or the value a `test` op found,
# which can be a secret (the `fake` provider holds values inline).
FAILURES: tuple[tuple[str, str], ...] = (
    ("JsonPatchTestFailed", "its test does not hold"),
    ("InvalidJsonPatch", "is not a valid operation (op, path, from and value)"),
    ("JsonPatchConflict", "names a path (or from) the object does not have"),
    ("JsonPointerException", "names a path (or from) the object does not have"),
    ("JsonPatchException", "does not apply"),
)


def _apply(jsonpatch: Any, obj: dict[str, Any],
           ops: list[dict[str, Any]]) -> tuple[Any, tuple[str, str] | None]:
    """The patched object, or None and (which op failed, why): one op at a time to say which."""
    doc: Any = obj
    for j, op in enumerate(ops):
        try:
            doc = jsonpatch.JsonPatch([op]).apply(doc)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
            why = next(text for name, text in FAILURES if isinstance(exc, getattr(jsonpatch, name)))
            where = f" {op.get('path')!r}" if isinstance(op.get("path"), str) else ""
            return None, (f"patch[{j}] ({op.get('op')!s:.20}{where:.200})", why)
    return doc, None


def apply(patches: list[Patch], objects: list[dict[str, Any]],
          sources: list[Source | None]) -> tuple[list[dict[str, Any]], list[Result]]:
    """`sources[i]` is where `objects[i]` comes from (None for a store)."""
    if not patches or not objects:
        return objects, []  # nothing generated (a re-run): an unused patch is not news
    import jsonpatch  # only runs that patch pay for the import

    out: list[dict[str, Any]] = []
    problems: list[Result] = []
    used = [False] * len(patches)
    for obj, source in zip(objects, sources, strict=True):
        names = _names(obj, source)
        for i, patch in enumerate(patches):
            if not _matches(patch, obj.get("kind"), names):
                continue
            used[i] = True
            # `add /metadata/annotations/x` must work whether or not the object has annotations yet.
            obj["metadata"].setdefault("annotations", {})
            target = f"{obj['kind']} {obj['metadata'].get('name')}"
            patched, failure = _apply(jsonpatch, obj, patch.patch)
            if failure is not None:
                problems.append(error(f"spec.patches[{i}].{failure[0]} does not apply to {target}: {failure[1]}"))
                continue
            if _identity(patched) != _identity(obj):
                problems.append(error(f"spec.patches[{i}] on {target} may not change apiVersion, kind, "
                                      "metadata.name, metadata.namespace, spec.target.name or the "
                                      "type of metadata.labels/annotations"))
                continue
            obj = patched
        if obj["metadata"].get("annotations") == {}:
            del obj["metadata"]["annotations"]
        out.append(obj)
    problems.extend(
        Result(f"spec.patches[{i}] matches no generated object", severity="warning")
        for i, u in enumerate(used) if not u)
    return out, problems
