"""IBM Cloud Secrets Manager (`ibmcloudSecretsManager`) → `provider.ibm`.

KES read a secret by ID, or with `keyByName` searched every secret group for the name, and always
needed the item's `secretType`. ESO encodes all of that in the key: `<type>/<id>` or
`<group>/<type>/<name>`. KES applied `property` to the JSON of the v1 API's `secret_data`;
ESO's v2 client selects fields per secret type, so some properties are renamed or dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..items import KesEntry
from .base import Backend, Job, config_block, missing, non_empty_str

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# IBM's default secret group, used for keyByName when the config names none.
DEFAULT_GROUP = "default"
GROUP_SETTING = "secretGroup"
# Types whose value ESO only returns one field of at a time (property required).
_FIELD_TYPES = {
    "username_password": "username or password",
    "imported_cert": "certificate, private_key or intermediate",
    "public_cert": "certificate, private_key or intermediate",
    "private_cert": "certificate, private_key or intermediate",
}


class IbmSecretsManager(Backend):
    backend_type = "ibmcloudSecretsManager"
    provider_key = "ibm"
    knobs = frozenset({"keyByName"})
    config_extras = frozenset({GROUP_SETTING})

    def provider(self, job: Job) -> dict[str, Any] | None:
        block = config_block(job)
        ok = True
        if not non_empty_str(block.get("serviceUrl")):
            missing(job, None, ("ibm", "serviceUrl"), "the IBM Secrets Manager endpoint",
                    "KES used IBM_CLOUD_SECRETS_MANAGER_API_ENDPOINT")
            ok = False
        if not isinstance(block.get("auth"), dict):
            missing(job, None, ("ibm", "auth"), "IBM Cloud authentication",
                    "KES used IBM_CLOUD_SECRETS_MANAGER_API_APIKEY")
            ok = False
        return block if ok else None

    def check_secret_type(self, job: Job, item: KesEntry) -> None:
        """secretType is part of the key here (see `key`)."""

    def key(self, job: Job, item: KesEntry, key: str) -> str | None:
        if "/" in key:
            job.ctx.error(item.field("key"), "IBM keys cannot contain '/': ESO splits the key "
                          "into <type>/<id> or <group>/<type>/<name>")
            return None
        if item.secret_type is None:
            job.ctx.error(item.field("secretType"), "is required for ibmcloudSecretsManager: KES "
                          "could not read a secret without it, so this entry never worked; set "
                          "the secret's type (arbitrary, username_password, kv, ...)")
            return None
        if job.knobs.key_by_name:
            return f"{self._group(job, item)}/{item.secret_type}/{key}"
        if not _UUID.match(key):
            job.ctx.warn(item.field("key"), "KES read this key as a secret ID, but it is not one "
                         "(a UUID); set keyByName: true if it is a name")
        return f"{item.secret_type}/{key}"

    def _group(self, job: Job, item: KesEntry) -> str:
        group = job.extras.get(GROUP_SETTING)
        if non_empty_str(group):
            return str(group)
        if job.once("group"):
            job.ctx.warn(item.field("key"), "KES searched every secret group for names, ESO "
                         f"reads it from one group: using {DEFAULT_GROUP!r}; set "
                         f"{job.config_key(GROUP_SETTING)} if the secret is in another group")
        return DEFAULT_GROUP

    def extract(self, job: Job, item: KesEntry) -> dict[str, Any] | None:
        job.ctx.error(item.path, "dataFrom entries cannot be converted for "
                      "ibmcloudSecretsManager: KES passed no secretType for them and could not "
                      "read them; use data entries with secretType instead")
        return None

    def property(self, job: Job, item: KesEntry) -> str | None:
        prop = super().property(job, item)
        rule = _PROPERTY_RULES.get(item.secret_type or "")
        return prop if rule is None else rule(job, item, prop)


# KES applied `property` to the JSON of the v1 API's secret data; ESO's v2 client selects fields
# per secret type. One rule per type whose meaning changed (other types keep the property).
PropertyRule = Callable[[Job, KesEntry, str | None], str | None]


def _one_field(job: Job, item: KesEntry, prop: str | None) -> str | None:
    if prop is None:
        stype = item.secret_type or ""
        job.ctx.error(item.field("property"), f"is required for {stype} secrets: KES wrote the "
                      "JSON of all fields, ESO returns one field per entry; use one entry per "
                      f"field ({_FIELD_TYPES[stype]})")
    return prop


def _arbitrary(job: Job, item: KesEntry, prop: str | None) -> str | None:
    if prop not in (None, "payload"):
        job.ctx.warn(item.field("property"), "dropped: ESO returns the payload of an arbitrary "
                     "secret whole (KES found nothing but 'payload' there)")
    return None


def _kv(job: Job, item: KesEntry, prop: str | None) -> str | None:
    # KES saw kv secrets as {"payload": {...}}; ESO's property addresses the payload.
    if prop is None or prop == "payload":
        return None
    if prop.startswith("payload."):
        return prop[len("payload."):]
    job.ctx.warn(item.field("property"), "KES looked this up beside the kv payload and found "
                 "nothing; kept as a path into the payload")
    return prop


def _iam_credentials(job: Job, item: KesEntry, prop: str | None) -> str | None:
    job.ctx.warn(item.field("property") if prop else item.path, "ESO writes the API key as it "
                 "is; KES wrote it JSON-quoted, and property is dropped")
    return None


_PROPERTY_RULES: dict[str, PropertyRule] = {
    **{stype: _one_field for stype in _FIELD_TYPES},
    "arbitrary": _arbitrary,
    "kv": _kv,
    "iam_credentials": _iam_credentials,
}
