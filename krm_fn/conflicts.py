"""Generated objects against what the input already holds.

A re-run (kpt renders again; Argo CD builds every sync) must replace what an earlier run generated,
and must never overwrite someone else's object or leave ESO fighting another manifest for a Secret.
"""

from __future__ import annotations

from . import eso
from .metadata import namespace_key
from .model import SecretRequest
from .naming import where
from .records import TYPE_CHECKING
from .resourcelist import Item, ResourceList
from .results import FileRef, Result, error

if TYPE_CHECKING:
    from typing import Any

ESO_GROUP = "external-secrets.io"


ObjectId = tuple[str, str, str, str]  # group, kind, namespace, name
# ESO kinds without a namespace. kustomize does not know them, so its `namespace:` gives them one
# in the input; the API server drops it, so such an object is the generated one all the same.
CLUSTER_KINDS = frozenset({(ESO_GROUP, "ClusterSecretStore")})


def upsert(rl: ResourceList, kept: list[Item], generated: list[dict[str, Any]],
           origins: list[FileRef | None]) -> tuple[list[Item], dict[ObjectId, int], list[Result]]:
    """`kept` without the objects a previous run generated, and where those stood (their
    replacements go there, so a re-run changes nothing); an object of the same name that
    secret-sync did not generate is an error. `origins`: the file of the placeholder or KES
    object each generated object comes from, in order (an error names both documents)."""
    ids = {object_id(obj) for obj in generated}
    origin = dict(zip((object_id(obj) for obj in generated), origins, strict=False))
    out: list[Item] = []
    previous: dict[ObjectId, int] = {}
    problems: list[Result] = []
    for item in kept:
        key = _scoped(item.group, item.kind, item.namespace or "", item.name)
        if key not in ids:
            out.append(item)
            continue
        previous[key] = item.position
        meta = rl.data(item).get("metadata")
        labels = meta.get("labels") if isinstance(meta, dict) else None
        if not isinstance(labels, dict) or not eso.is_ours(labels):
            problems.append(error(
                f"generated {item.kind} {item.name!r}{where(origin.get(key))} collides with an "
                "object of the same name in the input that secret-sync did not generate",
                resource=item.ref, field="metadata.name", file=item.file))
    return out, previous, problems


def target_secrets(kept: list[Item], requests: list[SecretRequest]) -> list[Result]:
    """A target Secret that the output also holds as a plain Secret: ESO and whoever applies that
    manifest would overwrite each other."""
    secrets = {(namespace_key(i.namespace), i.name): i for i in kept
               if i.kind == "Secret" and i.api_version == "v1"}
    problems = []
    for req in requests:
        other = secrets.get((namespace_key(req.source.namespace), req.target_name))
        if other is not None:
            problems.append(error(
                f"the target Secret {req.target_name!r} of the ExternalSecret generated for "
                f"{req.source.ref.describe()}{where(req.source.file)} collides with this Secret of "
                "the input; ESO and this "
                "manifest would overwrite each other", resource=other.ref, field="metadata.name",
                file=other.file))
    return problems


def kept_kes_targets(requests: list[SecretRequest]) -> list[Result]:
    """`spec.kes.keep: true` with keep naming: the KES object stays and writes its Secret, and the
    ExternalSecret targets that same Secret. The two controllers fight over it (ESO cannot own a
    Secret KES owns), which is no side-by-side phase at all."""
    return [error(
        f"spec.kes.keep is true, so this KES object stays and keeps writing Secret {req.target_name!r}, "
        "and with keep naming its ExternalSecret targets that same Secret: KES and ESO would fight over "
        "it. Side by side needs hash or suffix naming (spec.naming or secret-sync.dev/naming); keep "
        "naming is for the step that drops the KES objects (spec.kes.keep: false)",
        resource=req.source.ref, file=req.source.file)
        for req in requests
        if req.origin == "kes" and req.keep_source and req.target_name == req.source.name]


def object_id(obj: dict[str, Any]) -> ObjectId:
    meta = obj["metadata"]
    return _scoped(ESO_GROUP, obj["kind"], meta.get("namespace") or "", meta["name"])


def _scoped(group: str, kind: str, namespace: str, name: str) -> ObjectId:
    return (group, kind, "" if (group, kind) in CLUSTER_KINDS else namespace, name)
