"""`spec.patches`: RFC 6902 JSON patches applied to generated objects (then validated again)."""

from __future__ import annotations

from .records import TYPE_CHECKING
from .results import Result, error

if TYPE_CHECKING:
    from typing import Any

    from .config import Patch


def _matches(patch: Patch, obj: dict[str, Any]) -> bool:
    meta = obj.get("metadata", {})
    t = patch.target
    return ((t.kind is None or t.kind == obj.get("kind"))
            and (t.name is None or t.name == meta.get("name"))
            and (t.namespace is None or t.namespace == meta.get("namespace")))


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


def apply(patches: list[Patch], objects: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[Result]]:
    if not patches or not objects:
        return objects, []  # nothing generated (a re-run): an unused patch is not news
    import jsonpatch  # only runs that patch pay for the import

    out: list[dict[str, Any]] = []
    problems: list[Result] = []
    used = [False] * len(patches)
    for obj in objects:
        for i, patch in enumerate(patches):
            if not _matches(patch, obj):
                continue
            used[i] = True
            # `add /metadata/annotations/x` must work whether or not the object has annotations yet.
            obj["metadata"].setdefault("annotations", {})
            target = f"{obj['kind']} {obj['metadata'].get('name')}"
            try:
                patched = jsonpatch.apply_patch(obj, patch.patch)
            except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
                problems.append(error(f"spec.patches[{i}] does not apply to {target}: {exc}"))
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
