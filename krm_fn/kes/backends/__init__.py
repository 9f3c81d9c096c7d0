"""One handler per KES backendType, looked up in a table (the way ESO registers providers).

`REGISTRY` maps every KES `spec.backendType` to its handler; `ALIASES` maps the names KES's
runtime still accepted to the current ones.
"""

from __future__ import annotations

from .akeyless import Akeyless
from .alibaba import AlicloudSecretsManager
from .aws import ParameterStore, SecretsManager
from .azure import AzureKeyVault
from .base import KNOBS, Backend, Job, Knobs, read_knobs
from .gcp import GcpSecretsManager
from .ibm import IbmSecretsManager
from .vault import Vault

REGISTRY: dict[str, Backend] = {
    handler.backend_type: handler
    for handler in (SecretsManager(), ParameterStore(), Vault(), AzureKeyVault(),
                    GcpSecretsManager(), IbmSecretsManager(), Akeyless(), AlicloudSecretsManager())
}

# KES config/index.js kept `secretManager` working for old manifests; the CRD enum rejects it.
ALIASES: dict[str, str] = {"secretManager": "secretsManager"}

__all__ = ["ALIASES", "KNOBS", "REGISTRY", "Backend", "Job", "Knobs", "read_knobs"]
