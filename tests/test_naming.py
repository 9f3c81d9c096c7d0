"""Names: hash (default), suffix, keep, per-secret override, rules and collisions."""

from __future__ import annotations

import re
from typing import Any

from conftest import AWS_STORE, config, placeholder, resource_list, run_fn


def target_names(items: list[dict[str, Any]], cfg_spec: dict[str, Any]) -> list[str]:
    proc = run_fn(resource_list(items, config({"defaultStore": "aws", "stores": [AWS_STORE], **cfg_spec})))
    assert proc.returncode == 0, proc.stderr
    return [i["spec"]["target"]["name"] for i in proc.items if i["kind"] == "ExternalSecret"]


def test_hash_is_default_and_ten_chars() -> None:
    [name] = target_names([placeholder("db", ["p"])], {})
    assert re.fullmatch(r"db-[a-z0-9]{10}", name)


def test_hash_changes_with_content_not_with_unrelated_things() -> None:
    base = target_names([placeholder("db", ["p"])], {})
    assert target_names([placeholder("db", ["p"])], {}) == base  # deterministic
    changed = {
        "key": target_names([placeholder("db", ["p", "q"])], {}),
        "version": target_names([placeholder("db", ["p"], version="2")], {}),
        "revision": target_names([placeholder("db", ["p"], revision="2026-11-28")], {}),
    }
    for what, names in changed.items():
        assert names != base, what
    other_store = {"name": "aws", "provider": {"aws": {"service": "SecretsManager", "region": "us-east-1"}}}
    proc = run_fn(resource_list([placeholder("db", ["p"])],
                                config({"defaultStore": "aws", "stores": [other_store]})))
    assert proc.items[0]["metadata"]["name"] != base[0]
    # refresh settings decide when, not what: same name
    assert target_names([placeholder("db", ["p"])], {"refresh": {"interval": "5m"}}) == base


def test_suffix_and_keep_and_override() -> None:
    items = [placeholder("a", ["k"]), placeholder("b", ["k"], naming="keep"),
             placeholder("c", ["k"], naming="hash")]
    names = target_names(items, {"naming": {"strategy": "suffix", "suffix": "-eso"}})
    assert names[0] == "a-eso" and names[1] == "b" and re.fullmatch(r"c-[a-z0-9]{10}", names[2])


def test_name_too_long_after_hashing() -> None:
    long = "a" * 245
    proc = run_fn(resource_list([placeholder(long, ["k"])],
                                config({"defaultStore": "aws", "stores": [AWS_STORE]})))
    assert proc.returncode == 1
    assert "at most 253" in proc.stderr and f"Secret {long}" in proc.stderr


def test_generated_names_collide() -> None:
    items = [placeholder("a", ["k"]), placeholder("a-eso", ["k"], naming="keep")]
    proc = run_fn(resource_list(items, config({"defaultStore": "aws", "stores": [AWS_STORE],
                                               "naming": {"strategy": "suffix", "suffix": "-eso"}})))
    assert proc.returncode == 1 and "collides" in proc.stderr


def test_collision_with_foreign_object_in_input() -> None:
    foreign = {"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
               "metadata": {"name": "a-eso"}, "spec": {}}
    proc = run_fn(resource_list([placeholder("a", ["k"]), foreign],
                                config({"defaultStore": "aws", "stores": [AWS_STORE],
                                        "naming": {"strategy": "suffix"}})))
    assert proc.returncode == 1 and "did not generate" in proc.stderr


def test_invalid_suffix_gives_invalid_name() -> None:
    proc = run_fn(resource_list([placeholder("a", ["k"])],
                                config({"defaultStore": "aws", "stores": [AWS_STORE],
                                        "naming": {"strategy": "suffix", "suffix": "_ESO"}})))
    assert proc.returncode == 1 and "not a valid Kubernetes name" in proc.stderr
