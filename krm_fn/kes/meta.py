"""The KES object's own metadata → the ExternalSecret's labels, annotations and naming."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, get_args

from ..metadata import OWN_PREFIX, user_annotations
from ..model import NamingStrategy
from ..placeholders import KNOWN_ANNOTATIONS
from .context import Ctx
from .paths import child
from .values import str_map

if TYPE_CHECKING:
    from ..config import Spec

NAMING = OWN_PREFIX + "naming"
REVISION = OWN_PREFIX + "revision"


@dataclass
class MetaOut:
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    naming: NamingStrategy = "hash"
    revision: str | None = None


def convert_metadata(ctx: Ctx, obj: Mapping[str, Any], spec: Spec) -> MetaOut:
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    annotations = str_map(ctx, meta.get("annotations"), "metadata.annotations")
    out = MetaOut(
        labels=str_map(ctx, meta.get("labels"), "metadata.labels"),
        annotations=user_annotations(annotations),
        naming=spec.naming.strategy,
        revision=annotations.get(REVISION),
    )
    for key, value in annotations.items():
        if key == NAMING:
            out.naming = _naming(ctx, value, out.naming)
        elif key in KNOWN_ANNOTATIONS and key != REVISION:  # unknown keys: hints.py
            ctx.warn(child("metadata.annotations", key),
                     "ignored on a KES object (only naming and revision apply)")
    return out


def _naming(ctx: Ctx, value: str, default: NamingStrategy) -> NamingStrategy:
    for strategy in get_args(NamingStrategy):
        if value == strategy:
            return strategy  # type: ignore[no-any-return]
    ctx.error(child("metadata.annotations", NAMING),
              f"must be one of {', '.join(get_args(NamingStrategy))}")
    return default
