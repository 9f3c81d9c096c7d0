"""AWS Secrets Manager (`secretsManager`) and SSM Parameter Store (`systemManager`).

Both become ESO `provider.aws`, with `service` SecretsManager or ParameterStore.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from ..items import KesEntry
from .base import Backend, Job, config_block, missing, non_empty_str

# KES read SSM parameter versions from a `name:N` suffix on the key; ESO has a version field.
_SSM_VERSION = re.compile(r"^(?P<name>.+):(?P<version>[0-9]+)$")
# Characters with a meaning in Go's regexp (RE2) syntax.
_RE2_SPECIAL = re.compile(r"([\\.+*?()|\[\]{}^$])")


class _Aws(Backend):
    provider_key = "aws"
    knobs = frozenset({"roleArn", "region"})
    service: ClassVar[str]

    def provider(self, job: Job) -> dict[str, Any] | None:
        block = config_block(job)
        configured = block.get("service")
        if configured is not None and configured != self.service:
            job.ctx.error(None, f"{job.config_key(self.provider_key, 'service')} is "
                          f"{configured!r}, but backendType {self.backend_type} means "
                          f"{self.service}: remove it from the function config")
            return None
        block["service"] = self.service
        if job.knobs.region:
            block["region"] = job.knobs.region
        if job.knobs.role_arn:
            # KES assumed this role with the controller's credentials; so does ESO's aws.role.
            block["role"] = job.knobs.role_arn
        if not non_empty_str(block.get("region")):
            missing(job, "region", ("aws", "region"), "the AWS region",
                    "KES used AWS_REGION of its Deployment, us-west-2 when unset")
            return None
        return block


class SecretsManager(_Aws):
    backend_type = "secretsManager"
    service = "SecretsManager"

    def version(self, job: Job, item: KesEntry) -> str | None:
        if item.version is not None:
            job.ctx.warn(item.field("version"), "ignored: KES's secretsManager backend did not "
                         "read version (use versionStage or versionId)")
        if item.version_id is not None:
            if item.version_stage is not None:
                job.ctx.warn(item.field("versionStage"),
                             "ignored: versionId is also set and KES used versionId")
            # ESO's AWS provider selects a VersionId with this prefix, a stage otherwise.
            return f"uuid/{item.version_id}"
        return item.version_stage

    def on_binary(self, job: Job, item: KesEntry) -> None:
        job.ctx.warn(item.field("isBinary"),
                     "converted to decodingStrategy Base64; if this secret is stored as "
                     "SecretBinary (not SecretString), KES used the bytes as they were while ESO "
                     "would try to base64-decode them and fail: use decodingStrategy None there")


class ParameterStore(_Aws):
    backend_type = "systemManager"
    service = "ParameterStore"

    def locate(self, job: Job, item: KesEntry) -> dict[str, Any] | None:
        ref = super().locate(job, item)
        if ref is not None and (m := _SSM_VERSION.match(ref["key"])):
            # `name:3` reads version 3 in both; ESO appends `:<version>` to the key itself.
            ref = {"key": m.group("name"), "version": m.group("version")}
        return ref

    def find(self, job: Job, item: KesEntry) -> dict[str, Any] | None:
        path = item.ssm_path or ""
        # ESO always searches the path recursively; KES's default was one level only, so then
        # keep only the names directly below the path.
        regexp = ".*" if item.recursive else _one_level(path)
        return {
            "find": {"path": path, "name": {"regexp": regexp}},
            # KES named each key after the last path segment; ESO's default would be the whole
            # name with '/' turned into '_'.
            "rewrite": [{"regexp": {"source": "^.*/", "target": ""}}],
        }


def _one_level(path: str) -> str:
    """An RE2 expression matching parameter names directly below `path`."""
    return "^" + _RE2_SPECIAL.sub(r"\\\1", path.rstrip("/")) + "/[^/]+$"
