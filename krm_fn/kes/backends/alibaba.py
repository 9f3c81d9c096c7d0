"""Alibaba Cloud KMS Secrets Manager (`alicloudSecretsManager`): no ESO provider any more.

ESO deprecated its Alibaba provider in v1.2.0 and removed it in v2.0.0, so nothing this tool
could emit would be served by a current ESO. The object is reported, never half-converted.
"""

from __future__ import annotations

from typing import Any

from ..context import Ctx
from .base import Backend, Job


class AlicloudSecretsManager(Backend):
    backend_type = "alicloudSecretsManager"
    provider_key = "alibaba"
    supported = False

    def unsupported(self, ctx: Ctx) -> None:
        ctx.error(ctx.at("backendType"), "alicloudSecretsManager cannot be converted: ESO 2.x has "
                  "no Alibaba Cloud provider (removed in ESO v2.0.0). Move these secrets to a "
                  "backend ESO supports, or keep this object on KES")

    def provider(self, job: Job) -> dict[str, Any] | None:
        self.unsupported(job.ctx)
        return None
