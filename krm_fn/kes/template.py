"""KES `spec.template` → ESO `spec.target.template` (static parts only).

KES rendered every string of the template with lodash (`<% %>`, `<%= %>`, `${}`) and then
deep-merged it under the Secret it built, so fetched keys, `type` and the name always won.
ESO renders `template.data` and `template.metadata` as Go templates, and with template data its
default `mergePolicy: Replace` drops every fetched key, so static content is escaped for Go
templates and `mergePolicy: Merge` keeps KES's "fetched keys are kept" behaviour. Lodash logic
cannot be translated mechanically: it is an error that says what to do instead.

Template values may be secret material: messages never quote them.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..validation import secret_key_problem
from .context import Ctx
from .paths import child
from .values import opt_bool, opt_mapping, str_map, type_name

# lodash.template delimiters KES's settings enabled: evaluate/interpolate/escape and ES `${}`.
_LODASH = re.compile(r"<%|\$\{")
_KNOWN = frozenset({"type", "metadata", "data", "stringData", "immutable"})
# Parts KES overwrote with its own values, so they never reached the Secret.
_OVERWRITTEN = frozenset({"apiVersion", "kind"})
_METADATA_OVERWRITTEN = frozenset({"name", "namespace", "ownerReferences"})
_LODASH_HINT = (
    "is a lodash template, which ESO cannot run: remove it from this object and write the "
    "equivalent Go template on the generated ExternalSecret with a spec.patches entry (for "
    "example <%= JSON.parse(data.s1).key %> becomes {{ (.s1 | fromJson).key }}, yaml.dump(x) "
    "becomes {{ x | toYaml }}), or replace this object by a hand-written ExternalSecret"
)


@dataclass
class TemplateOut:
    secret_type: str | None = None
    data: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    finalizers: list[str] = field(default_factory=list)
    immutable: bool | None = None
    # keys that came from KES template.data (fetched keys beat these in KES, not in ESO)
    from_data: set[str] = field(default_factory=set)


def go_literal(text: str) -> str:
    """`text` as Go-template source that renders to exactly `text`."""
    return text.replace("{{", '{{ "{{" }}')


def convert_template(ctx: Ctx, spec: Mapping[str, Any], fetched: set[str]) -> TemplateOut:
    out = TemplateOut()
    template = opt_mapping(ctx, spec, "template", ctx.at("template"))
    path = ctx.at("template")
    out.secret_type = _secret_type(ctx, spec, template or {})
    if not template or _has_lodash(ctx, template, path):
        return out
    _metadata(ctx, template, path, out)
    string_data = _string_data(ctx, template, path)
    from_data = _data(ctx, template, path, fetched, set(string_data))
    out.from_data = set(from_data)
    out.data = {**from_data, **string_data}
    out.immutable = opt_bool(ctx, template, "immutable", f"{path}.immutable")
    for key in template:
        if key in _OVERWRITTEN:
            ctx.info(child(path, key), "ignored: KES overwrote it on the Secret too")
        elif key not in _KNOWN:
            ctx.warn(child(path, key), "not converted: only type, metadata, data, stringData "
                     "and immutable of a KES template have an ESO equivalent")
    return out


def _has_lodash(ctx: Ctx, value: Any, path: str) -> bool:
    """Report every lodash string in the template; True when there was one."""
    if isinstance(value, str):
        if _LODASH.search(value):
            ctx.error(path, _LODASH_HINT)
            return True
        return False
    if isinstance(value, Mapping):
        found = [_has_lodash(ctx, v, child(path, str(k))) for k, v in value.items()]
        return any(found)
    return False  # KES rendered strings and mappings only, not lists


def _secret_type(ctx: Ctx, spec: Mapping[str, Any], template: Mapping[str, Any]) -> str | None:
    new, old = template.get("type"), spec.get("type")
    if old is not None:
        ctx.warn(ctx.at("type"), "deprecated alias of spec.template.type" +
                 ("; ignored because template.type is set (as KES did)" if new is not None else ""))
    chosen, where = (new, ctx.at("template.type")) if new is not None else (old, ctx.at("type"))
    if chosen is None or (isinstance(chosen, str) and chosen):
        return chosen
    ctx.error(where, f"must be a non-empty string, not {type_name(chosen)}")
    return None


def _metadata(ctx: Ctx, template: Mapping[str, Any], path: str, out: TemplateOut) -> None:
    meta_path = f"{path}.metadata"
    meta = opt_mapping(ctx, template, "metadata", meta_path) or {}
    out.labels = {k: go_literal(v) for k, v in
                  str_map(ctx, meta.get("labels"), f"{meta_path}.labels").items()}
    out.annotations = {k: go_literal(v) for k, v in
                       str_map(ctx, meta.get("annotations"), f"{meta_path}.annotations").items()}
    out.finalizers = _finalizers(ctx, meta.get("finalizers"), f"{meta_path}.finalizers")
    for key in meta:
        if key in _METADATA_OVERWRITTEN:
            ctx.info(child(meta_path, key), "ignored: KES overwrote it on the Secret too")
        elif key not in ("labels", "annotations", "finalizers"):
            ctx.warn(child(meta_path, key), "not converted: ESO template metadata has only "
                     "labels, annotations and finalizers")


def _finalizers(ctx: Ctx, value: Any, path: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    ctx.error(path, "must be a list of strings")
    return []


def _string_data(ctx: Ctx, template: Mapping[str, Any], path: str) -> dict[str, str]:
    raw = opt_mapping(ctx, template, "stringData", f"{path}.stringData") or {}
    out = {}
    for key, value in raw.items():
        where = child(f"{path}.stringData", key)
        if _valid_entry(ctx, key, value, where):
            # stringData beat fetched data in KES (the API server applies it last) and
            # template.data beats fetched data in ESO: same result.
            out[key] = go_literal(value)
    return out


def _data(ctx: Ctx, template: Mapping[str, Any], path: str, fetched: set[str],
          string_keys: set[str]) -> dict[str, str]:
    raw = opt_mapping(ctx, template, "data", f"{path}.data") or {}
    out = {}
    for key, value in raw.items():
        where = child(f"{path}.data", key)
        if not _valid_entry(ctx, key, value, where):
            continue
        if key in string_keys:
            ctx.info(where, "dropped: template.stringData sets the same key and won in KES")
        elif key in fetched:
            ctx.warn(where, "dropped: a fetched key of the same name won in KES, while ESO "
                     "would let the template win")
        elif (text := _decode(ctx, value, where)) is not None:
            out[key] = text
    return out


def _decode(ctx: Ctx, value: str, where: str) -> str | None:
    """KES template data is base64 (raw Secret .data); ESO template data is text."""
    compact = re.sub(r"[\r\n]", "", value)  # the API server's decoder skips line breaks
    try:
        raw = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        ctx.error(where, "is not valid base64: a KES template's data holds base64 values, "
                  "as a Secret's data does (use stringData for plain text)")
        return None
    try:
        return go_literal(raw.decode("utf-8"))
    except UnicodeDecodeError:
        # Binary content cannot be written as template text; let ESO decode it instead.
        return '{{ "' + compact + '" | b64dec }}'


def _valid_entry(ctx: Ctx, key: str, value: Any, where: str) -> bool:
    if not isinstance(value, str):
        ctx.error(where, f"must be a string, not {type_name(value)}")
        return False
    if (problem := secret_key_problem(key)) is not None:
        ctx.error(where, f"'{key}' is not a valid Secret key: it {problem}")
        return False
    return True
