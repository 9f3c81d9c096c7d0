"""Which fields each ESO release defaults server-side (docs: ESO CRD defaults), as a table.

Writing every defaulted field out keeps Argo CD from showing drift; writing a field the target
release does not know leaves a permanent diff (the API server prunes it), so it depends on version.
"""

from __future__ import annotations

from .model import copy_data
from .records import NamedTuple

OLDEST = (0, 16)  # first release serving external-secrets.io/v1


class Defaults(NamedTuple):
    ref_strategies: bool      # remoteRef/extract: conversionStrategy, decodingStrategy, metadataPolicy
    null_byte_policy: bool    # remoteRef/extract/find: nullBytePolicy Ignore


def parse_version(text: str) -> tuple[int, int]:
    parts = text.lstrip("v").split(".")
    if len(parts) < 2 or not all(p.isascii() and p.isdigit() for p in parts[:2]):
        raise ValueError(f"{text!r} is not an ESO release (use X.Y, e.g. 2.9)")
    return int(parts[0]), int(parts[1])


def defaults_for(version: tuple[int, int]) -> Defaults:
    return Defaults(
        # Defaulted v0.16-v2.8; still valid (and harmless) on 2.9, so always written.
        ref_strategies=True,
        null_byte_policy=(2, 3) <= version <= (2, 6),
    )


class StoreDefault(NamedTuple):
    path: tuple[str, ...]   # below spec.provider; written only where its parent exists
    value: object
    since: tuple[int, int] = OLDEST


# CRD defaults of SecretStore/ClusterSecretStore providers (ESO v2.9 schema).
STORE_DEFAULTS: tuple[StoreDefault, ...] = (
    StoreDefault(("aws", "sessionTagsPolicy"), "None", since=(2, 5)),
    StoreDefault(("vault", "version"), "v2"),
    *(StoreDefault(("vault", "auth", method, "path"), path) for method, path in (
        ("appRole", "approle"), ("cert", "cert"), ("gcp", "gcp"), ("jwt", "jwt"), ("ldap", "ldap"),
        ("userPass", "userpass"))),
    StoreDefault(("vault", "auth", "kubernetes", "mountPath"), "kubernetes"),
    StoreDefault(("azurekv", "authType"), "ServicePrincipal"),
    StoreDefault(("azurekv", "environmentType"), "PublicCloud"),
    StoreDefault(("azurekv", "useAzureSDK"), False, since=(0, 20)),
    # added in 0.20.2; a X.Y setting cannot tell 0.20.0 from 0.20.2, so from 0.21 on
    StoreDefault(("gcpsm", "secretVersionSelectionPolicy"), "LatestOrFail", since=(0, 21)),
    StoreDefault(("kubernetes", "remoteNamespace"), "default"),
    StoreDefault(("kubernetes", "server", "url"), "kubernetes.default"),
)


def with_store_defaults(provider: dict[str, object], version: tuple[int, int]) -> dict[str, object]:
    """A copy of `provider` with the server's defaults written where the server would add them."""
    out: dict[str, object] = copy_data(provider)
    for default in STORE_DEFAULTS:
        if version < default.since:
            continue
        parent: object = out
        for key in default.path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(parent, dict):
            parent.setdefault(default.path[-1], default.value)
    return out
