"""examples/kpt under the real kpt CLI: `kpt fn render` (Kptfile pipeline, exec mutator) and
`kpt fn eval --exec`, checked on the files kpt writes back to the package."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import BIN, REPO

EXAMPLE = REPO / "examples" / "kpt"

KPT = shutil.which("kpt")
pytestmark = pytest.mark.skipif(
    KPT is None,
    reason="kpt is not installed (Debian package google-cloud-cli-kpt, or a kpt release binary)",
)

HASHED = re.compile(r"^shop-db-[a-z0-9]{10}$")


def kpt(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.run(
        [KPT or "kpt", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


@pytest.fixture
def pkg(tmp_path: Path) -> Path:
    dst = tmp_path / "shop"
    shutil.copytree(EXAMPLE, dst)
    return dst


def assert_rendered(pkg: Path, before: dict[str, bytes]) -> None:
    # The placeholder's file now holds exactly one ExternalSecret and no Secret.
    (es,) = docs(pkg / "db-secret.yaml")
    assert es["apiVersion"] == "external-secrets.io/v1"
    assert es["kind"] == "ExternalSecret"
    assert HASHED.match(es["metadata"]["name"]), es["metadata"]["name"]
    assert es["metadata"]["namespace"] == "shop"
    assert es["spec"]["target"]["name"] == es["metadata"]["name"]
    assert {d["remoteRef"]["key"] for d in es["spec"]["data"]} == {"prod/shop/db"}
    assert "secret-sync.dev/remote-key" not in (es["metadata"].get("annotations") or {})

    # The store is written once, to a new file of its own.
    new_files = sorted(set(snapshot(pkg)) - set(before))
    stores = [
        (f, d) for f in new_files for d in docs(pkg / f) if d["kind"] == "ClusterSecretStore"
    ]
    assert len(stores) == 1, new_files
    store_file, store = stores[0]
    assert [d["kind"] for d in docs(pkg / store_file)] == ["ClusterSecretStore"]
    assert store["metadata"]["name"] == "aws-main"
    assert "namespace" not in store["metadata"]
    assert es["spec"]["secretStoreRef"] == {"name": "aws-main", "kind": "ClusterSecretStore"}

    # Both references in the Deployment follow the new name; its comments are still there.
    (deploy,) = docs(pkg / "deployment.yaml")
    env = deploy["spec"]["template"]["spec"]["containers"][0]["env"]
    assert [e["valueFrom"]["secretKeyRef"]["name"] for e in env] == [es["metadata"]["name"]] * 2
    text = (pkg / "deployment.yaml").read_text()
    assert text.startswith("# The shop API. It reads its database credentials")
    assert "replicas: 2 # two pods behind the service" in text
    assert "# rewritten to the generated Secret name" in text

    # Untouched files stay byte for byte, comments included; the config and Kptfile too.
    after = snapshot(pkg)
    for name in ("service.yaml", "secret-sync.yaml", "Kptfile"):
        assert after[name] == before[name], name
    assert b"# public port" in after["service.yaml"]


def test_render_writes_externalsecret_into_the_placeholder_file(pkg: Path, tmp_path: Path) -> None:
    before = snapshot(pkg)
    res = kpt("fn", "render", str(pkg), "--allow-exec", "--results-dir", str(tmp_path / "r"),
              cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert_rendered(pkg, before)

    results = yaml.safe_load((tmp_path / "r" / "results.yaml").read_text())
    assert results["kind"] == "FunctionResultList"
    assert results["exitCode"] == 0
    assert [(i.get("exec"), i["exitCode"]) for i in results["items"]] == [("secret-sync", 0)]
    for item in results["items"]:
        assert not [r for r in item.get("results") or [] if r.get("severity") == "error"]


def test_second_render_changes_nothing(pkg: Path, tmp_path: Path) -> None:
    first = kpt("fn", "render", str(pkg), "--allow-exec", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    rendered = snapshot(pkg)
    assert rendered != snapshot(EXAMPLE)  # the first render did change the package
    second = kpt("fn", "render", str(pkg), "--allow-exec", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert snapshot(pkg) == rendered


def test_eval_with_fn_config_file(pkg: Path, tmp_path: Path) -> None:
    config = tmp_path / "fn-config.yaml"
    shutil.copy(EXAMPLE / "secret-sync.yaml", config)
    before = snapshot(pkg)
    res = kpt("fn", "eval", str(pkg), "--exec", "secret-sync", "--fn-config", str(config),
              "--results-dir", str(tmp_path / "r"), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert_rendered(pkg, before)
    assert config.read_bytes() == (EXAMPLE / "secret-sync.yaml").read_bytes()
    results = yaml.safe_load((tmp_path / "r" / "results.yaml").read_text())
    assert results["exitCode"] == 0


def test_eval_with_configmap_arguments(pkg: Path, tmp_path: Path) -> None:
    # `-- key=value` arguments reach the function as a flat ConfigMap config.
    res = kpt("fn", "eval", str(pkg), "--exec", "secret-sync", "--",
              "defaultStore=aws-main", "storeKind=ClusterSecretStore",
              "provider={aws: {service: SecretsManager, region: eu-west-1}}",
              "refreshInterval=30m", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    (es,) = docs(pkg / "db-secret.yaml")
    assert es["kind"] == "ExternalSecret"
    assert es["spec"]["refreshInterval"] == "30m0s"
    stores = [d for f in pkg.glob("*.yaml") for d in docs(f) if d["kind"] == "ClusterSecretStore"]
    assert len(stores) == 1
    aws = stores[0]["spec"]["provider"]["aws"]  # plus ESO's defaulted fields
    assert (aws["service"], aws["region"]) == ("SecretsManager", "eu-west-1")


@pytest.mark.parametrize("command", ["render", "eval"])
def test_error_fails_kpt_and_leaves_files_untouched(
    pkg: Path, tmp_path: Path, command: str
) -> None:
    secret_value = "s3cr3t-literal-value"
    placeholder = pkg / "db-secret.yaml"
    placeholder.write_text(placeholder.read_text().replace(
        'password: ""', f'password: "{secret_value}"'))
    before = snapshot(pkg)
    if command == "render":
        args = ["fn", "render", str(pkg), "--allow-exec"]
    else:
        args = ["fn", "eval", str(pkg), "--exec", "secret-sync",
                "--fn-config", str(EXAMPLE / "secret-sync.yaml")]
    res = kpt(*args, "--results-dir", str(tmp_path / "r"), cwd=tmp_path)

    assert res.returncode != 0
    assert snapshot(pkg) == before
    assert "shop-db" in res.stderr and "password" in res.stderr
    results_text = (tmp_path / "r" / "results.yaml").read_text()
    for text in (res.stdout, res.stderr, results_text):
        assert secret_value not in text
    results = yaml.safe_load(results_text)
    assert results["exitCode"] == 1
    (item,) = results["items"]
    assert item["exitCode"] == 1
    errors = [r for r in item["results"] if r["severity"] == "error"]
    assert errors and errors[0]["resourceRef"]["name"] == "shop-db"
    assert errors[0]["file"]["path"] == "db-secret.yaml"
