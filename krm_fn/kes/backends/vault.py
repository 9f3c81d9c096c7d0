"""HashiCorp Vault (`vault`) → `provider.vault`.

KES did a raw `vault read <key>`, so its keys are full API paths (`secret/data/app` for KV v2,
`kv/app` for KV v1). ESO resolves a key against the store's `path`; with `path` unset it uses a
v2 key that contains `/data/` and any v1 key exactly as written. So keys are copied verbatim and
the store never gets a `path`: that reproduces KES for every mount layout, including several
mounts in one object.
"""

from __future__ import annotations

from typing import Any

from ..items import KesEntry
from .base import Backend, Job, config_block, missing, non_empty_str

# KES always logged in with Kubernetes auth; a config may pick another ESO method instead.
_KUBERNETES = "kubernetes"


class Vault(Backend):
    backend_type = "vault"
    provider_key = "vault"
    knobs = frozenset({"vaultRole", "vaultMountPoint", "kvVersion"})

    def provider(self, job: Job) -> dict[str, Any] | None:
        block = config_block(job)
        ok = True
        if "path" in block:
            job.ctx.error(None, f"{job.config_key('vault', 'path')} must not be set: KES keys are "
                          "full Vault paths and are copied verbatim, which only works without a "
                          "store path")
            ok = False
        if not non_empty_str(block.get("server")):
            missing(job, None, ("vault", "server"), "the Vault server address",
                    "KES used VAULT_ADDR of its Deployment")
            ok = False
        # KES's kvVersion (default 2) decides how keys are read, whatever the config says.
        block["version"] = "v1" if job.knobs.kv_version == 1 else "v2"
        auth = self._auth(job, block.get("auth"))
        if auth is None:
            return None
        block["auth"] = auth
        return block if ok else None

    def _auth(self, job: Job, configured: Any) -> dict[str, Any] | None:
        if configured is not None and not isinstance(configured, dict):
            job.ctx.error(None, f"{job.config_key('vault', 'auth')} must be a mapping")
            return None
        auth: dict[str, Any] = dict(configured or {})
        others = sorted(k for k in auth if k not in (_KUBERNETES, "namespace"))
        if others and _KUBERNETES not in auth:
            # The function config chose another login method on purpose; the object's
            # Kubernetes-auth fields have no place in it.
            for rel, value in (("vaultRole", job.knobs.vault_role),
                               ("vaultMountPoint", job.knobs.vault_mount_point)):
                if value:
                    job.ctx.warn(job.ctx.at(rel), "ignored: "
                                 f"{job.config_key('vault', 'auth')} uses {others[0]}, not "
                                 "kubernetes auth")
            return auth
        k8s_config = auth.get(_KUBERNETES) or {}
        if not isinstance(k8s_config, dict):
            job.ctx.error(None, f"{job.config_key('vault', 'auth', _KUBERNETES)} must be a mapping")
            return None
        k8s = dict(k8s_config)
        if job.knobs.vault_mount_point:
            k8s["mountPath"] = job.knobs.vault_mount_point
        # KES (node-vault) fell back to the auth mount `kubernetes` as ESO does; written out
        # because the CRD requires it.
        k8s.setdefault("mountPath", "kubernetes")
        if job.knobs.vault_role:
            k8s["role"] = job.knobs.vault_role
        if not non_empty_str(k8s.get("role")):
            missing(job, "vaultRole", ("vault", "auth", "kubernetes", "role"),
                    "the Vault Kubernetes-auth role", "KES used DEFAULT_VAULT_ROLE")
            return None
        auth[_KUBERNETES] = k8s
        return auth

    def locate(self, job: Job, item: KesEntry) -> dict[str, Any] | None:
        ref = super().locate(job, item)
        if ref is not None and job.knobs.kv_version != 1 and "/data/" not in ref["key"]:
            job.ctx.warn(item.field("key"), "a KV v2 path without '/data/': KES read it as "
                         "written (which fails on KV v2), ESO inserts 'data/' after the first "
                         "segment, so this key may start working")
        return ref

    def version(self, job: Job, item: KesEntry) -> str | None:
        for name, value in (("version", item.version), ("versionStage", item.version_stage),
                            ("versionId", item.version_id)):
            if value is not None:
                # ESO would read that version; KES always read the latest. Keep KES's behaviour.
                job.ctx.warn(item.field(name), "dropped: KES's vault backend always read the "
                             "latest version (ESO would honour remoteRef.version)")
        return None
