"""What every KES backend handler does, and the defaults most of them share.

A handler turns the KES fields of one backendType into ESO fields: the store's provider block
(`provider`), `spec.data[].remoteRef` (`remote_ref`), `spec.dataFrom[].extract` (`extract`) and,
for SSM only, `spec.dataFrom[].find` (`find`). Handlers are stateless; everything about the
object being converted travels in a `Job`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..context import Ctx
from ..gjson import lodash_to_gjson
from ..items import KesEntry
from ..values import opt_bool, opt_str, type_name

# Spec-level KES fields that configure the backend connection (store-level inputs).
KNOBS = ("roleArn", "region", "vaultRole", "vaultMountPoint", "kvVersion", "keyVaultName",
         "projectId", "keyByName")


@dataclass
class Knobs:
    role_arn: str | None = None
    region: str | None = None
    vault_role: str | None = None
    vault_mount_point: str | None = None
    kv_version: int | None = None
    key_vault_name: str | None = None
    project_id: str | None = None
    key_by_name: bool | None = None
    controller_id: str | None = None


def read_knobs(ctx: Ctx, spec: Mapping[str, Any]) -> Knobs:
    knobs = Knobs()
    for attr, key in (("role_arn", "roleArn"), ("region", "region"), ("vault_role", "vaultRole"),
                      ("vault_mount_point", "vaultMountPoint"), ("key_vault_name", "keyVaultName"),
                      ("project_id", "projectId"), ("controller_id", "controllerId")):
        # An empty string meant "not set" to KES (it tested these fields for truthiness).
        setattr(knobs, attr, opt_str(ctx, spec, key, ctx.at(key)) or None)
    knobs.key_by_name = opt_bool(ctx, spec, "keyByName", ctx.at("keyByName"))
    kv = spec.get("kvVersion")
    if kv is not None:
        if type(kv) is int and kv in (1, 2):
            knobs.kv_version = kv
        else:
            ctx.error(ctx.at("kvVersion"), f"must be the integer 1 or 2, not {type_name(kv)} "
                      "(the KES CRD's rule)")
    return knobs


@dataclass
class Job:
    """One KES object being converted by one backend handler."""

    ctx: Ctx
    backend_type: str
    knobs: Knobs
    # the provider block from spec.kes.backends[backendType] (deep copy; {} when not configured)
    config: dict[str, Any] = field(default_factory=dict)
    # other keys of that spec.kes.backends entry (handler-specific settings, e.g. IBM secretGroup)
    extras: dict[str, Any] = field(default_factory=dict)
    # remarks already made for this object (one warning per object, not per entry)
    said: set[str] = field(default_factory=set)

    def once(self, remark: str) -> bool:
        """True the first time `remark` comes up for this object."""
        first = remark not in self.said
        self.said.add(remark)
        return first

    def config_key(self, *parts: str) -> str:
        """The function-config path of a backend setting, for messages."""
        return ".".join(("spec.kes.backends", self.backend_type, *parts))


class Backend:
    backend_type: ClassVar[str]
    provider_key: ClassVar[str]
    # spec-level KES fields this backend reads (others are ignored by KES: warn)
    knobs: ClassVar[frozenset[str]] = frozenset()
    # keys besides the provider key that spec.kes.backends[backendType] may hold
    config_extras: ClassVar[frozenset[str]] = frozenset()
    # False: the backendType has no ESO provider any more (`unsupported` says why)
    supported: ClassVar[bool] = True

    # -- store ---------------------------------------------------------------------------------

    def provider(self, job: Job) -> dict[str, Any] | None:
        """The ESO provider block (without the provider key), or None after an error."""
        raise NotImplementedError

    def unsupported(self, ctx: Ctx) -> None:
        """Report why this backendType cannot be converted (only when `supported` is False)."""

    # -- data ----------------------------------------------------------------------------------

    def remote_ref(self, job: Job, item: KesEntry) -> dict[str, Any] | None:
        self.check_secret_type(job, item)
        ref = self.locate(job, item)
        if ref is None:
            return None
        prop = self.property(job, item)
        if prop is not None:
            ref["property"] = prop
        if item.is_binary:
            ref["decodingStrategy"] = "Base64"
            self.on_binary(job, item)
        return ref

    def extract(self, job: Job, item: KesEntry) -> dict[str, Any] | None:
        ref = self.locate(job, item)
        return None if ref is None else {"extract": ref}

    def find(self, job: Job, item: KesEntry) -> dict[str, Any] | None:
        job.ctx.error(item.field("path"), f"path entries only work with backendType systemManager; "
                      f"KES's {self.backend_type} backend could not read them either")
        return None

    # -- hooks ---------------------------------------------------------------------------------

    def locate(self, job: Job, item: KesEntry) -> dict[str, Any] | None:
        """`{key, version?}` of a data or dataFrom entry."""
        key = None if item.key is None else self.key(job, item, item.key)
        if key is None:
            return None
        ref: dict[str, Any] = {"key": key}
        version = self.version(job, item)
        if version is not None:
            ref["version"] = version
        return ref

    def key(self, job: Job, item: KesEntry, key: str) -> str | None:
        """The ESO remote key for a KES key (default: the same)."""
        return key

    def version(self, job: Job, item: KesEntry) -> str | None:
        for name, value in (("version", item.version), ("versionStage", item.version_stage),
                            ("versionId", item.version_id)):
            if value is not None:
                job.ctx.warn(item.field(name), f"ignored: KES's {self.backend_type} backend did "
                             "not read it, so no remoteRef.version is emitted")
        return None

    def property(self, job: Job, item: KesEntry) -> str | None:
        if item.prop is None:
            return None
        if item.prop == "":
            job.ctx.error(item.field("property"), "must not be empty")
            return None
        converted = lodash_to_gjson(item.prop)
        if converted is None:
            job.ctx.warn(item.field("property"), "not a lodash path this tool can translate to a "
                         "gjson path; kept as written, check it against ESO's gjson syntax")
            return item.prop
        return converted

    def check_secret_type(self, job: Job, item: KesEntry) -> None:
        if item.secret_type is not None:
            job.ctx.warn(item.field("secretType"),
                         "ignored: only backendType ibmcloudSecretsManager reads secretType")

    def on_binary(self, job: Job, item: KesEntry) -> None:
        """Backend-specific remarks about isBinary (default: none, Base64 is exact)."""


def config_block(job: Job) -> dict[str, Any]:
    return copy.deepcopy(job.config)


def missing(job: Job, obj_field: str | None, config_path: tuple[str, ...], what: str,
            kes_source: str) -> None:
    """Report a required store field that neither the object nor the function config sets."""
    where = f"{job.ctx.at(obj_field)} on this object or " if obj_field else ""
    job.ctx.error(job.ctx.at(obj_field) if obj_field else None,
                  f"{what} is required by ESO and not set: set {where}"
                  f"{job.config_key(*config_path)} in the function config ({kes_source})")


def non_empty_str(value: object) -> bool:
    return isinstance(value, str) and bool(value)
