"""`spec.patches`: RFC 6902 JSON patches applied to generated objects (then validated again)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .results import Result, error

if TYPE_CHECKING:
    from .config import Patch


def _matches(patch: Patch, obj: dict[str, Any]) -> bool:
    meta = obj.get("metadata", {})
    t = patch.target
    return ((t.kind is None or t.kind == obj.get("kind"))
            and (t.name is None or t.name == meta.get("name"))
            and (t.namespace is None or t.namespace == meta.get("namespace")))


def apply(patches: list[Patch], objects: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[Result]]:
    if not patches:
        return objects, []
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
            try:
                obj = jsonpatch.apply_patch(obj, patch.patch)
            except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
                problems.append(error(f"spec.patches[{i}] does not apply to {obj['kind']} "
                                      f"{obj['metadata'].get('name')}: {exc}"))
        if obj.get("metadata", {}).get("annotations") == {}:
            del obj["metadata"]["annotations"]
        out.append(obj)
    problems.extend(
        Result(f"spec.patches[{i}] matches no generated object", severity="warning")
        for i, u in enumerate(used) if not u)
    return out, problems
