"""Conversion of legacy Kubernetes External Secrets (KES) objects.

KES objects are `kubernetes-client.io/v1` `ExternalSecret`s.

Interface used by the pipeline (pipeline.py):

    convert(obj, source, spec) -> Conversion

`obj` is the KES object as plain Python data, `source` says where it came from (for results and
reference matching), `spec` is the validated function config spec (config.Spec). The result holds
one SecretRequest (or None when the object cannot be converted) plus results (warnings, infos and
errors naming the object and field). The request's `store` is a StoreSpec with a deterministic name;
the pipeline emits each distinct store once and fails if two different stores share a name.

Layout: convert.py drives one object through items.py (data/dataFrom entries), backends/ (one
handler per backendType, in a table), stores.py, template.py and meta.py.
"""

from __future__ import annotations

from .convert import Conversion, convert

KES_API_VERSION = "kubernetes-client.io/v1"
KES_KIND = "ExternalSecret"

__all__ = ["KES_API_VERSION", "KES_KIND", "Conversion", "convert", "is_kes"]


def is_kes(api_version: str, kind: str) -> bool:
    return api_version == KES_API_VERSION and kind == KES_KIND
