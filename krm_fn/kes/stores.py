"""The (Cluster)SecretStore a KES object needs.

KES kept one credential set in its Deployment env and took a few knobs per object (region,
roleArn, Vault role, ...). Each distinct combination becomes one store. Its name is derived from
its content so the output is the same on every run (kes-to-eso's random names caused churn) and
two objects that need the same store share it.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..model import StoreKind, StoreSpec
from .backends import Backend, Job, Knobs
from .context import Ctx

if TYPE_CHECKING:
    from ..config import Kes


def make_job(ctx: Ctx, backend: Backend, knobs: Knobs, kes: Kes) -> Job | None:
    """Split spec.kes.backends[backendType] into the provider block and handler settings."""
    job = Job(ctx=ctx, backend_type=backend.backend_type, knobs=knobs)
    entry: Any = kes.backends.get(backend.backend_type) or {}  # type: ignore[call-overload]
    ok = True
    for key, value in entry.items():
        if key == backend.provider_key:
            if isinstance(value, Mapping):
                job.config = copy.deepcopy(dict(value))
            else:
                ctx.error(None, f"{job.config_key(key)} must be a mapping (an ESO "
                          f"provider.{key} block)")
                ok = False
        elif key in backend.config_extras:
            job.extras[key] = value
        else:
            ctx.error(None, f"{job.config_key(key)} is not a setting of backendType "
                      f"{backend.backend_type}: expected {backend.provider_key}")
            ok = False
    return job if ok else None


def build_store(job: Job, backend: Backend, kind: StoreKind) -> StoreSpec | None:
    block = backend.provider(job)
    if block is None:
        return None
    provider = {backend.provider_key: block}
    controller = job.knobs.controller_id
    return StoreSpec(name=store_name(backend.backend_type, kind, provider, controller),
                     kind=kind, provider=provider, controller=controller)


def store_name(backend_type: str, kind: str, provider: Mapping[str, Any],
               controller: str | None) -> str:
    """`kes-<backendtype>-<8 hex>`: a DNS-1123 name that changes only with the store's content."""
    identity = json.dumps({"kind": kind, "provider": provider, "controller": controller},
                          sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:8]
    return f"kes-{backend_type.lower()}-{digest}"
