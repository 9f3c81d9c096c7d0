"""GCP Secret Manager (`gcpSecretsManager`) → `provider.gcpsm`."""

from __future__ import annotations

from typing import Any

from ..items import KesEntry
from .base import Backend, Job, config_block, non_empty_str


class GcpSecretsManager(Backend):
    backend_type = "gcpSecretsManager"
    provider_key = "gcpsm"
    knobs = frozenset({"projectId"})

    def provider(self, job: Job) -> dict[str, Any] | None:
        block = config_block(job)
        if job.knobs.project_id:
            block["projectID"] = job.knobs.project_id
        if non_empty_str(block.get("projectID")):
            return block
        auth = block.get("auth")
        if isinstance(auth, dict) and "secretRef" in auth:
            # ESO cannot guess the project from a key file (it asks the metadata server).
            job.ctx.error(job.ctx.at("projectId"), "ESO needs a project with auth.secretRef: set "
                          f"projectId here or {job.config_key('gcpsm', 'projectID')}")
            return None
        job.ctx.warn(job.ctx.at("projectId"), "not set: KES used the project of its credentials, "
                     "ESO uses the cluster's project (metadata server); set "
                     f"{job.config_key('gcpsm', 'projectID')} if they differ")
        return block

    def version(self, job: Job, item: KesEntry) -> str | None:
        for name, value in (("versionStage", item.version_stage), ("versionId", item.version_id)):
            if value is not None:
                job.ctx.warn(item.field(name), "ignored: KES's gcpSecretsManager backend did not "
                             "read it (use version)")
        # KES treated an empty version as `latest`, as ESO does with no version.
        return item.version or None
