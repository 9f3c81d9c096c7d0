"""Azure Key Vault (`azureKeyVault`) → `provider.azurekv`."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from ..items import KesEntry
from .base import Backend, Job, config_block, non_empty_str

# Key Vault DNS suffix per ESO environmentType (KES: AZURE_KEY_VAULT_DNS_SUFFIX, AZURE_ENVIRONMENT).
_DNS_SUFFIX = {
    "PublicCloud": "vault.azure.net",
    "ChinaCloud": "vault.azure.cn",
    "USGovernmentCloud": "vault.usgovcloudapi.net",
    "GermanCloud": "vault.microsoftazure.de",
}
# Key Vault names: 3-24 letters, digits and dashes; anything else must not reach a URL.
_VAULT_NAME = re.compile(r"^[A-Za-z0-9-]{3,24}$")


class AzureKeyVault(Backend):
    backend_type = "azureKeyVault"
    provider_key = "azurekv"
    knobs = frozenset({"keyVaultName"})

    def provider(self, job: Job) -> dict[str, Any] | None:
        block = config_block(job)
        url = self._vault_url(job, block)
        if url is None:
            return None
        block["vaultUrl"] = url
        return block if self._auth_ok(job, block) else None

    def _vault_url(self, job: Job, block: dict[str, Any]) -> str | None:
        name = job.knobs.key_vault_name
        configured = block.get("vaultUrl")
        if name is None:
            if non_empty_str(configured):
                return str(configured)
            job.ctx.error(job.ctx.at("keyVaultName"), "is required for azureKeyVault (the KES "
                          f"CRD's rule); or set {job.config_key('azurekv', 'vaultUrl')}")
            return None
        if not _VAULT_NAME.match(name):
            job.ctx.error(job.ctx.at("keyVaultName"),
                          "is not a Key Vault name (3-24 letters, digits and '-')")
            return None
        suffix = self._dns_suffix(job, block, configured)
        return None if suffix is None else f"https://{name}.{suffix}"

    def _dns_suffix(self, job: Job, block: dict[str, Any], configured: Any) -> str | None:
        # A configured vaultUrl supplies the DNS suffix (KES's AZURE_KEY_VAULT_DNS_SUFFIX); the
        # object's keyVaultName replaces the vault name in it.
        if non_empty_str(configured):
            host = urlsplit(str(configured)).hostname or ""
            if "." in host:
                return host.split(".", 1)[1]
        env = block.get("environmentType", "PublicCloud")
        if env in _DNS_SUFFIX:
            return _DNS_SUFFIX[env]
        job.ctx.error(None, f"no Key Vault DNS suffix is known for environmentType {env!r}: set "
                      f"{job.config_key('azurekv', 'vaultUrl')} to any vault URL of that cloud")
        return None

    def _auth_ok(self, job: Job, block: dict[str, Any]) -> bool:
        if block.get("authType", "ServicePrincipal") != "ServicePrincipal":
            return True
        # ESO's default ServicePrincipal auth needs these; KES found them in its environment.
        ref = block.get("authSecretRef")
        ref = ref if isinstance(ref, dict) else {}
        lacking = [name for name, ok in (
            ("tenantId", non_empty_str(block.get("tenantId"))),
            ("authSecretRef.clientId", "clientId" in ref),
            ("authSecretRef.clientSecret", "clientSecret" in ref or "clientCertificate" in ref),
        ) if not ok]
        for name in lacking:
            job.ctx.error(None, f"{job.config_key('azurekv', name)} is required by ESO's "
                          "ServicePrincipal auth and not set (KES used AZURE_TENANT_ID, "
                          "AZURE_CLIENT_ID, AZURE_CLIENT_SECRET); or set "
                          f"{job.config_key('azurekv', 'authType')} to ManagedIdentity or "
                          "WorkloadIdentity")
        return not lacking

    def key(self, job: Job, item: KesEntry, key: str) -> str | None:
        if "/" in key:
            # Key Vault names cannot contain '/', so KES never read such a key; ESO would read
            # it as <objectType>/<name>, i.e. something else entirely.
            job.ctx.error(item.field("key"), "Azure Key Vault secret names cannot contain '/': "
                          "KES could not read this key and ESO would read it as "
                          "<secret|key|cert>/<name>; use the plain secret name")
            return None
        return key
