"""Load the function config, skipping pydantic when this exact config was validated before.

Importing pydantic and building the config models costs about 100 ms, more than a whole small
kustomize build. A KRM function runs on every build with the same config, so a config that
validated once is remembered by its content hash (with the secret-sync version) in a cache
directory; later runs read the validated, defaulted values back without importing pydantic.
Both paths hand the rest of the code the same thing: the validated values as attribute-access
mappings, so cache hits and misses cannot behave differently.
"""

from __future__ import annotations

import json
import os

from . import __version__
from .hashing import sha256
from .records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

    from .config import SecretSync


class ConfigError(Exception):
    """Problems of the function config as (field path, message) pairs; never input values."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{p}: {m}" for p, m in problems))
        self.problems = problems


class Node(dict[str, "Any"]):  # quoted: Any is imported for type checking only
    """A mapping whose keys are also attributes (config objects after validation)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _wrap(value: Any) -> Any:
    if isinstance(value, dict):
        return Node({k: _wrap(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


def cache_dir() -> str | None:
    if os.environ.get("SECRET_SYNC_NO_CACHE") == "1":
        return None
    explicit = os.environ.get("SECRET_SYNC_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        home = os.path.expanduser("~")
        base = os.path.join(home, ".cache") if home not in ("", "/", "~") else None
    return os.path.join(base, "secret-sync") if base else None


# The files whose content decides whether a config validates (one stat each per cache lookup).
_VALIDATING_FILES = (("config.py",), ("providerfields.py",), ("data", "eso_providers_2.9.json"),
                     ("kes", "stores.py"))


def _key(obj: Any) -> str:
    # The models' own file is part of the key too: a development checkout changes them without a
    # new version, and a stale entry would hand out old defaults. One stat, no read.
    # So do the provider check (providerfields.py and its table) and the KES backend settings
    # check (kes/stores.py), which decide what validates.
    here = os.path.dirname(__file__)
    stamps = [(st.st_size, st.st_mtime_ns) for st in (
        os.stat(os.path.join(here, *parts)) for parts in _VALIDATING_FILES)]
    text = json.dumps([__version__, stamps, obj], sort_keys=True,
                      separators=(",", ":"), default=str)
    return sha256(text.encode()).hex()


def load(obj: Any) -> SecretSync:
    """The validated config (raises ConfigError)."""
    directory = cache_dir()
    entry = os.path.join(directory, f"config-{_key(obj)}.json") if directory else None
    if entry is not None:
        try:
            with open(entry, encoding="utf-8") as cached:
                remembered: SecretSync = _wrap(json.load(cached))
                return remembered
        except (OSError, ValueError):
            pass
    from .config import load as validate

    values = validate(obj).model_dump(mode="json")
    if entry is not None:
        _store(entry, values)
    validated: SecretSync = _wrap(values)
    return validated


def _store(entry: str, values: dict[str, Any]) -> None:
    """Best effort (read-only homes, containers run as nobody): a failed write only costs speed."""
    tmp = f"{entry}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(entry), mode=0o700, exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as out:
            json.dump(values, out)
        os.replace(tmp, entry)
    except OSError:
        import contextlib  # only on this failure path: not on every start

        with contextlib.suppress(OSError):
            os.unlink(tmp)
