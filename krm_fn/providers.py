"""What ESO accepts in a store's provider block, one row per provider (no if-chains).

ESO's CRD lets exactly one provider key through and checks the rest in its webhook and
controller. We check what makes a store unusable so the error shows at build time, with the field.
"""

from __future__ import annotations

from .records import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from typing import Any


class Provider(NamedTuple):
    required: tuple[str, ...] = ()
    enums: tuple[tuple[str, tuple[str, ...]], ...] = ()


# Provider keys of ESO v2.9 SecretStore spec.provider (the CRD's property names) and the fields
# its schema requires for the providers users pick most.
PROVIDERS: dict[str, Provider] = {
    "akeyless": Provider(required=("akeylessGWApiURL", "authSecretRef")),
    "aws": Provider(required=("service", "region"),
                    enums=(("service", ("SecretsManager", "ParameterStore", "CertificateManager")),)),
    "azurekv": Provider(required=("vaultUrl",),
                        enums=(("authType", ("ServicePrincipal", "ManagedIdentity", "WorkloadIdentity")),)),
    "barbican": Provider(),
    "beyondtrust": Provider(),
    "beyondtrustworkloadcredentials": Provider(),
    "bitwardensecretsmanager": Provider(),
    "chef": Provider(),
    "cloudrusm": Provider(),
    "conjur": Provider(),
    "crd": Provider(),
    "delinea": Provider(),
    "doppler": Provider(),
    "dvls": Provider(),
    "fake": Provider(),
    "fortanix": Provider(),
    "gcpsm": Provider(),
    "github": Provider(),
    "gitlab": Provider(),
    "ibm": Provider(required=("auth",)),
    "infisical": Provider(),
    "keepersecurity": Provider(),
    "kubernetes": Provider(),
    "nebiusmysterybox": Provider(),
    "ngrok": Provider(),
    "onboardbase": Provider(),
    "onepassword": Provider(),
    "onepasswordSDK": Provider(),
    "openBao": Provider(),
    "oracle": Provider(),
    "ovh": Provider(),
    "passbolt": Provider(),
    "passworddepot": Provider(),
    "previder": Provider(),
    "pulumi": Provider(),
    "scaleway": Provider(),
    "secretserver": Provider(),
    "senhasegura": Provider(),
    "vault": Provider(required=("server",), enums=(("version", ("v1", "v2")),)),
    "volcengine": Provider(),
    "webhook": Provider(),
    "yandexcertificatemanager": Provider(),
    "yandexlockbox": Provider(),
}


def check_provider(provider: Any) -> list[tuple[str, str]]:
    """Problems of a provider block as (field path below `provider`, message)."""
    if not isinstance(provider, dict) or len(provider) != 1:
        return [("", "must hold exactly one provider key (aws, vault, azurekv, gcpsm, ...)")]
    (name, block), = provider.items()
    row = PROVIDERS.get(name)
    if row is None:
        return [(name, f"unknown ESO provider {name!r}")]
    if not isinstance(block, dict):
        return [(name, "must be a mapping")]
    problems = [(f"{name}.{f}", "is required") for f in row.required if not block.get(f)]
    for fld, allowed in row.enums:
        if fld in block and block[fld] not in allowed:
            problems.append((f"{name}.{fld}", f"must be one of {', '.join(allowed)}"))
    return problems
