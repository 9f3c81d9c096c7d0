"""Convert one KES object into one SecretRequest (plus results).

The order of the steps follows the KES object: its spec (with deprecated aliases), the backend,
the store, the entries to fetch, the template, the metadata. Every step reports problems into the
shared context and carries on, so one run lists everything that needs fixing; any error means
no request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ..model import SecretRequest, Source
from ..results import Result
from .backends import ALIASES, KNOBS, REGISTRY, Backend, Job, read_knobs
from .context import Ctx
from .items import KesEntry, read_data, read_data_from, read_with_options
from .meta import convert_metadata
from .stores import build_store, make_job
from .template import TemplateOut, convert_template
from .values import opt_list, type_name

if TYPE_CHECKING:
    from ..config import Spec

SPEC_FIELDS = frozenset({"backendType", "controllerId", "type", "template", "data", "dataFrom",
                         "dataFromWithOptions", "properties", *KNOBS})


@dataclass
class Conversion:
    request: SecretRequest | None
    results: list[Result] = field(default_factory=list)


def convert(obj: Any, source: Source, spec: Spec) -> Conversion:
    ctx = Ctx(source)
    try:
        request = _convert(ctx, obj, spec)
    except Exception as exc:  # a bad object must become a result, never a crash
        # Only the exception type: its text could quote a template value.
        ctx.error(None, f"internal error while converting this object ({type(exc).__name__}); "
                  "please report it")
        request = None
    return Conversion(None if ctx.failed else request, ctx.results)


def _convert(ctx: Ctx, obj: Any, spec: Spec) -> SecretRequest | None:
    if not isinstance(obj, Mapping):
        ctx.error(None, f"a KES object must be a mapping, not {type_name(obj)}")
        return None
    kes_spec = _kes_spec(ctx, obj)
    backend = None if kes_spec is None else _backend(ctx, kes_spec)
    if kes_spec is None or backend is None:
        return None
    job = _job(ctx, kes_spec, backend, spec)
    store = None if job is None else build_store(job, backend, spec.kes.storeKind)
    data, finds, fetched = _data(ctx, kes_spec, backend, job)
    data_from = _data_from(ctx, kes_spec, backend, job) + finds
    template = convert_template(ctx, kes_spec, fetched)
    if template.from_data and data_from:
        # Only data[] names are known here; dataFrom keys appear at run time.
        ctx.warn(ctx.at("template.data"), "if dataFrom also returns one of these keys, KES kept "
                 "the fetched value while ESO keeps the template's")
    meta = convert_metadata(ctx, obj, spec)
    if not data and not data_from and not ctx.failed:
        ctx.error(ctx.root, "has nothing to fetch: ESO needs data or dataFrom (set data, "
                  "dataFrom or dataFromWithOptions)")
    if store is None or ctx.failed:
        return None
    return SecretRequest(
        source=ctx.source, origin="kes", store=store, data=data, data_from=data_from,
        secret_type=template.secret_type, template_data=template.data,
        merge_policy=_merge_policy(template), immutable=template.immutable,
        labels=meta.labels, annotations=meta.annotations,
        template_labels=template.labels, template_annotations=template.annotations,
        template_finalizers=template.finalizers, naming=meta.naming, revision=meta.revision,
        keep_source=spec.kes.keep, explicit_target_name=True,
    )


def _kes_spec(ctx: Ctx, obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """`spec`, or the deprecated `secretDescriptor` KES read when `spec` was missing."""
    spec, old = obj.get("spec"), obj.get("secretDescriptor")
    if spec is None and old is not None:
        ctx.root = "secretDescriptor"
        ctx.warn("secretDescriptor", "deprecated alias of spec (KES still read it, its v1 CRD "
                 "rejects it); converted as spec")
        spec = old
    elif old is not None:
        ctx.warn("secretDescriptor", "ignored: spec is set and KES read spec")
    if isinstance(spec, Mapping) and all(isinstance(k, str) for k in spec):
        return spec
    ctx.error(ctx.root, "is required" if spec is None else
              f"must be a mapping, not {type_name(spec)}")
    return None


def _backend(ctx: Ctx, spec: Mapping[str, Any]) -> Backend | None:
    name = spec.get("backendType")
    where = ctx.at("backendType")
    if not isinstance(name, str) or not name:
        ctx.error(where, "is required (one of " + ", ".join(REGISTRY) + ")")
        return None
    if name in ALIASES:
        ctx.warn(where, f"{name!r} is a deprecated alias of {ALIASES[name]!r} (the KES CRD "
                 "rejects it); converted as " + ALIASES[name])
        name = ALIASES[name]
    backend = REGISTRY.get(name)
    if backend is None:
        ctx.error(where, f"unknown backendType {name!r}: expected one of " + ", ".join(REGISTRY))
    elif not backend.supported:
        backend.unsupported(ctx)
        return None
    return backend


def _job(ctx: Ctx, spec: Mapping[str, Any], backend: Backend, config: Spec) -> Job | None:
    knobs = read_knobs(ctx, spec)
    for key in spec:
        if key not in SPEC_FIELDS:
            ctx.warn(ctx.at(key), "unknown field ignored (the KES CRD prunes it)")
        elif key in KNOBS and key not in backend.knobs and spec[key] is not None:
            ctx.warn(ctx.at(key), f"ignored: KES's {backend.backend_type} backend does not read it")
    if knobs.controller_id:
        ctx.info(ctx.at("controllerId"), "becomes the store's spec.controller: only an ESO "
                 f"controller started with --controller-class={knobs.controller_id} serves it, "
                 "and stores without it are served by every ESO controller")
    return make_job(ctx, backend, knobs, config.kes)


def _data(ctx: Ctx, spec: Mapping[str, Any], backend: Backend, job: Job | None
          ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], set[str]]:
    """ESO data entries, find entries for SSM paths, and the secret keys data fetches."""
    raw, rel = _data_list(ctx, spec)
    items = read_data(ctx, raw, rel)
    data: dict[str, tuple[KesEntry, dict[str, Any]]] = {}
    finds: list[dict[str, Any]] = []
    for item in items:
        if item.ssm_path is not None:
            _warn_path_order(ctx, item, data)
            find = None if job is None else backend.find(job, item)
            finds.extend([find] if find else [])
            continue
        ref = None if job is None else backend.remote_ref(job, item)
        name = item.name or ""
        if name in data:
            # ESO's webhook rejects duplicate secretKeys; KES let the last one win.
            ctx.warn(data[name][0].field("name"), f"duplicate secret key {name!r}: dropped, "
                     "the last entry with this name wins (as in KES)")
            del data[name]
        if ref is not None:
            data[name] = (item, {"secretKey": name, "remoteRef": ref})
    return [entry for _, entry in data.values()], finds, {i.name for i in items if i.name}


def _data_list(ctx: Ctx, spec: Mapping[str, Any]) -> tuple[list[Any], str]:
    """`data`, or the deprecated `properties` KES read when `data` was missing."""
    data = opt_list(ctx, spec, "data", ctx.at("data"))
    props = opt_list(ctx, spec, "properties", ctx.at("properties"))
    if props is not None:
        if data is None:
            ctx.warn(ctx.at("properties"), "deprecated alias of data (the KES v1 CRD prunes it); "
                     "converted as data")
            return props, "properties"
        ctx.warn(ctx.at("properties"), "ignored: data is set and KES read data")
    return data or [], "data"


def _warn_path_order(ctx: Ctx, item: KesEntry, earlier: Mapping[str, Any]) -> None:
    if earlier:
        # KES merged path results at the entry's position; ESO applies all dataFrom (where
        # find goes) before all data, so earlier data entries now win over found keys.
        ctx.warn(item.field("path"), "KES let parameters found here override data entries "
                 "listed before it; in ESO those data entries win on a name clash")


def _data_from(ctx: Ctx, spec: Mapping[str, Any], backend: Backend,
               job: Job | None) -> list[dict[str, Any]]:
    # KES merged dataFrom, then dataFromWithOptions, then data (last wins); ESO applies
    # dataFrom in order and data last, so this order keeps KES's precedence.
    items = read_data_from(ctx, opt_list(ctx, spec, "dataFrom", ctx.at("dataFrom")) or [])
    items += read_with_options(
        ctx, opt_list(ctx, spec, "dataFromWithOptions", ctx.at("dataFromWithOptions")) or [])
    out = []
    for item in items:
        entry = None if job is None else backend.extract(job, item)
        if entry is not None:
            out.append(entry)
    return out


def _merge_policy(template: TemplateOut) -> Literal["Merge"] | None:
    # ESO's default Replace would drop every fetched key once template data exists; KES kept them.
    return "Merge" if template.data else None
