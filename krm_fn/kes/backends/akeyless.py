"""Akeyless (`akeyless`) → `provider.akeyless`. KesEntry paths are used verbatim by both."""

from __future__ import annotations

from typing import Any

from .base import Backend, Job, config_block, missing, non_empty_str

# KES's AKEYLESS_API_ENDPOINT default.
DEFAULT_GATEWAY = "https://api.akeyless.io"


class Akeyless(Backend):
    backend_type = "akeyless"
    provider_key = "akeyless"

    def provider(self, job: Job) -> dict[str, Any] | None:
        block = config_block(job)
        if not non_empty_str(block.get("akeylessGWApiURL")):
            block["akeylessGWApiURL"] = DEFAULT_GATEWAY
        if not isinstance(block.get("authSecretRef"), dict):
            missing(job, None, ("akeyless", "authSecretRef"), "Akeyless authentication",
                    "KES used AKEYLESS_ACCESS_ID, AKEYLESS_ACCESS_TYPE and "
                    "AKEYLESS_ACCESS_TYPE_PARAM of its Deployment")
            return None
        return block
