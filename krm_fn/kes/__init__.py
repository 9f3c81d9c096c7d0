"""Conversion of legacy Kubernetes External Secrets objects (kubernetes-client.io/v1 ExternalSecret).

Interface used by the pipeline (pipeline.py):

    convert(obj, source, spec) -> Conversion

`obj` is the KES object as plain Python data, `source` says where it came from (for results and
reference matching), `spec` is the validated function config spec (config.Spec). The result holds
one SecretRequest (or None when the object cannot be converted) plus results (warnings, infos and
errors naming the object and field). The request's `store` is a StoreSpec with a deterministic name;
the pipeline emits each distinct store once and fails if two different stores share a name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..results import Result
from ..model import SecretRequest

KES_API_VERSION = "kubernetes-client.io/v1"
KES_KIND = "ExternalSecret"


@dataclass
class Conversion:
    request: SecretRequest | None
    results: list[Result] = field(default_factory=list)


def is_kes(api_version: str, kind: str) -> bool:
    return api_version == KES_API_VERSION and kind == KES_KIND
