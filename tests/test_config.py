"""The function config: schema file freshness, examples, unknown fields, the flat ConfigMap form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import AWS_STORE, REPO, config, placeholder, resource_list, run_fn

from krm_fn.config import ConfigError, json_schema, load

FUNCTIONCONFIG = REPO / "functionconfig"
EXAMPLES = sorted(FUNCTIONCONFIG.glob("*.yaml"))


def test_schema_file_is_current() -> None:
    on_disk = json.loads((FUNCTIONCONFIG / "secretsync.schema.json").read_text())
    assert on_disk == json_schema(), "run `make schema` to regenerate functionconfig/secretsync.schema.json"


def test_schema_command_prints_the_schema() -> None:
    proc = run_fn("", "schema")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["title"] == "SecretSync"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_configs_load_and_drive_a_run(path: Path) -> None:
    cfg = yaml.safe_load(path.read_text())
    load(cfg)  # valid
    proc = run_fn(resource_list([placeholder("db", ["password"])], cfg))
    assert proc.returncode == 0, proc.stderr
    kinds = [i["kind"] for i in proc.items]
    assert "ExternalSecret" in kinds


def test_examples_cover_the_five_providers() -> None:
    providers = set()
    for path in EXAMPLES:
        cfg = load(yaml.safe_load(path.read_text()))
        for store in cfg.spec.stores:
            providers.add(next(iter(store.provider or {})) + ":" +
                          str((store.provider or {}).get("aws", {}).get("service", "")))
    assert {"aws:SecretsManager", "aws:ParameterStore", "vault:", "azurekv:", "gcpsm:"} <= providers


def test_unknown_field_is_rejected_with_its_path() -> None:
    with pytest.raises(ConfigError) as exc:
        load(config({"stores": [{**AWS_STORE, "kindd": "SecretStore"}]}))
    assert ("spec.stores[0].kindd", "Extra inputs are not permitted") in exc.value.problems


def test_wrong_kind_and_type() -> None:
    with pytest.raises(ConfigError) as exc:
        load({"apiVersion": "v1", "kind": "Secret"})
    assert "must be secret-sync.dev/v1alpha1 SecretSync" in exc.value.problems[0][1]
    with pytest.raises(ConfigError) as exc2:
        load(config({"naming": {"strategy": "random"}}))
    assert exc2.value.problems[0][0] == "spec.naming.strategy"


def test_config_errors_reach_stderr_without_values() -> None:
    cfg = config({"stores": [AWS_STORE], "defaultStore": "aws", "refresh": {"interval": "SECRETVALUE"}})
    proc = run_fn(resource_list([placeholder("db", ["password"])], cfg))
    assert proc.returncode == 1
    assert "refresh" in proc.stderr or "duration" in proc.stderr
    assert proc.items == []


def test_flat_configmap_form() -> None:
    cm = yaml.safe_load((FUNCTIONCONFIG / "configmap-flat.yaml").read_text())
    cfg = load(cm).spec
    assert cfg.defaultStore == "aws-sm"
    assert cfg.stores[0].provider == {"aws": {"service": "SecretsManager", "region": "eu-west-1"}}
    assert (cfg.naming.strategy, cfg.naming.suffix, cfg.refresh.interval) == ("suffix", "-eso", "30m")
    with pytest.raises(ConfigError) as exc:
        load({"apiVersion": "v1", "kind": "ConfigMap", "data": {"defaultStor": "x"}})
    assert exc.value.problems[0][0] == "data.defaultStor"


def test_eso_version_written_unquoted_is_understood() -> None:
    assert load(config({"eso": {"version": 2.9}})).spec.eso.version == "2.9"


def test_remembered_config_behaves_like_a_fresh_validation(tmp_path: Path) -> None:
    """The second run reads the validated config from the cache (no pydantic); same output."""
    cache = tmp_path / "cache"
    cfg = yaml.safe_load((FUNCTIONCONFIG / "vault.yaml").read_text())
    text = resource_list([placeholder("db", ["password"])], cfg)
    first = run_fn(text, env={"SECRET_SYNC_CACHE_DIR": str(cache)})
    assert first.returncode == 0, first.stderr
    assert len(list(cache.glob("config-*.json"))) == 1
    second = run_fn(text, env={"SECRET_SYNC_CACHE_DIR": str(cache)})
    uncached = run_fn(text, env={"SECRET_SYNC_NO_CACHE": "1"})
    assert first.stdout == second.stdout == uncached.stdout


def test_invalid_config_is_never_remembered(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    bad = config({"stores": [{**AWS_STORE, "kindd": "x"}]})
    for _ in range(2):
        proc = run_fn(resource_list([placeholder("db", ["p"])], bad), env={"SECRET_SYNC_CACHE_DIR": str(cache)})
        assert proc.returncode == 1 and "kindd" in proc.stderr
    assert not list(cache.glob("config-*.json"))


def test_unwritable_cache_only_costs_speed(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    proc = run_fn(resource_list([placeholder("db", ["p"])], config({"defaultStore": "aws", "stores": [AWS_STORE]})),
                  env={"SECRET_SYNC_CACHE_DIR": str(blocker / "sub")})
    assert proc.returncode == 0, proc.stderr
