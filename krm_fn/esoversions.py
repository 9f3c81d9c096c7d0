"""Which fields each ESO release defaults server-side (docs: ESO CRD defaults), as a table.

Writing every defaulted field out keeps Argo CD from showing drift; writing a field the target
release does not know leaves a permanent diff (the API server prunes it), so it depends on version.
"""

from __future__ import annotations

from dataclasses import dataclass

OLDEST = (0, 16)  # first release serving external-secrets.io/v1
NEWEST_KNOWN = (2, 9)


@dataclass(frozen=True)
class Defaults:
    ref_strategies: bool      # remoteRef/extract: conversionStrategy, decodingStrategy, metadataPolicy
    null_byte_policy: bool    # remoteRef/extract/find: nullBytePolicy Ignore
    values_decoding: bool     # templateFrom[].valuesDecodingStrategy None


def parse_version(text: str) -> tuple[int, int]:
    parts = text.lstrip("v").split(".")
    if len(parts) < 2 or not all(p.isdigit() for p in parts[:2]):
        raise ValueError(f"{text!r} is not an ESO release (use X.Y, e.g. 2.9)")
    return int(parts[0]), int(parts[1])


def defaults_for(version: tuple[int, int]) -> Defaults:
    return Defaults(
        # Defaulted v0.16-v2.8; still valid (and harmless) on 2.9, so always written.
        ref_strategies=True,
        null_byte_policy=(2, 3) <= version <= (2, 6),
        values_decoding=(2, 7) <= version <= (2, 8),
    )
