"""The output items, in order: what passes through, each ExternalSecret where its source was, then
the stores, every generated object with a file and index no other output object uses (kpt)."""

from __future__ import annotations

from typing import Any

from . import yamlio
from .metadata import KPT_INDEX, KPT_PATH
from .model import SecretRequest
from .resourcelist import Item, ResourceList, emit_item


class KptPaths:
    """Hands out (file, index) pairs: kpt refuses two objects at the same place."""

    def __init__(self, kept: list[Item]) -> None:
        self.used: set[tuple[str, str]] = set()
        for item in kept:
            path = item.annotations.get(KPT_PATH)
            if path is not None:
                self.used.add((path, item.annotations.get(KPT_INDEX, "0")))

    def place(self, obj: dict[str, Any], req: SecretRequest | None) -> dict[str, Any]:
        """Annotate `obj`: an ExternalSecret takes its source's file (and index when free), a
        store gets `[<namespace>/]<kind>_<name>.yaml` like kyaml names new files."""
        meta = obj["metadata"]
        if req is not None and req.source.kpt_path:
            path = req.source.kpt_path
            wanted = req.source.kpt_index or "0"
            index = int(wanted) if wanted.isdigit() else 0
        else:
            ns = meta.get("namespace")
            path = f"{ns + '/' if ns else ''}{obj['kind'].lower()}_{meta['name']}.yaml"
            index = 0
        while (path, str(index)) in self.used:
            index += 1
        self.used.add((path, str(index)))
        annotations = meta.setdefault("annotations", {})
        annotations[KPT_PATH] = path
        annotations[KPT_INDEX] = str(index)
        return obj


def items(rl: ResourceList, kept: list[Item], replaced: dict[int, SecretRequest],
          requests: list[SecretRequest], external_secrets: list[dict[str, Any]],
          stores: list[dict[str, Any]]) -> list[str]:
    """YAML text of every output item. `external_secrets[i]` belongs to `requests[i]`;
    `replaced` maps an input position to the request that replaces the item there."""
    paths = KptPaths(kept)
    es_of = {id(req): es for req, es in zip(requests, external_secrets, strict=True)}
    kept_positions = {i.position for i in kept}
    texts: list[str] = []
    for item in rl.items:
        if item.position in kept_positions:
            texts.append(emit_item(rl, item.node))
        req = replaced.get(item.position)
        if req is not None:
            texts.append(_text(paths.place(es_of[id(req)], req)))
    texts.extend(_text(paths.place(es_of[id(req)], req)) for req in requests if req.keep_source)
    texts.extend(_text(paths.place(store, None)) for store in stores)
    return texts


def _text(obj: dict[str, Any]) -> str:
    # yamlio.dump writes what ryml would (tests/test_yamlio.py holds it to that), so a later run,
    # which re-emits these objects through ryml, gives the same bytes.
    return yamlio.dump(obj)
