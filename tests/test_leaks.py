"""No secret material leaks (issue 6, item 2).

A marker value stands for a real secret. It is put where secret material can be: a placeholder's
stringData/data (raw and base64), a kubectl last-applied-configuration annotation, other Secrets'
data, refs, the function config. The marker (and its base64 form) must never show up on stderr,
in `results`, or in a generated object. The one place it may appear is a non-placeholder Secret
that passes through unchanged: that is the user's own object, and it must come out byte for byte
as it went in.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
import yaml
from conftest import WEB_DEPLOYMENT, aws_config_text, placeholder_text, resource_list_text, run_fn

MARKER = "LEAK-MARKER-1234"
MARKER_B64 = base64.b64encode(MARKER.encode()).decode()
FORMS = (MARKER, MARKER_B64)

CONFIG = aws_config_text("secrets")
VALIDATE_CONFIG = CONFIG + "    mode: validate\n"


PLAIN_SECRET = f"""\
- apiVersion: v1
  kind: Secret
  metadata:
    name: tls-legacy
    namespace: shop
  type: Opaque
  data:
    token: {MARKER_B64}
  stringData:
    password: {MARKER}
    multi: |
      line one {MARKER}
      line two
"""
WORKLOAD = WEB_DEPLOYMENT + "          - secretRef: {name: tls-legacy}\n"


def run(items: str, config: str = CONFIG, *args: str) -> tuple[int, str, str]:
    res = run_fn(resource_list_text(items, config), *args)
    return res.returncode, res.stdout, res.stderr


def assert_no_marker(text: str, where: str) -> None:
    for form in FORMS:
        assert form not in text, f"secret marker ({form}) found in {where}"


def check_output(stdout: str, stderr: str, passthrough: set[str]) -> dict[str, Any]:
    """stderr and results never hold the marker; items may only if they are passthrough Secrets
    (by name), and then unchanged."""
    assert_no_marker(stderr, "stderr")
    out = yaml.safe_load(stdout)
    assert_no_marker(yaml.safe_dump(out.get("results") or []), "results")
    for item in out["items"]:
        name = item["metadata"]["name"]
        if item["kind"] == "Secret" and name in passthrough:
            continue
        assert_no_marker(yaml.safe_dump(item), f"output item {item['kind']} {name}")
    return out


# --- success runs -----------------------------------------------------------------------------------

def test_user_secret_passes_through_unchanged_and_nowhere_else() -> None:
    code, stdout, stderr = run(placeholder_text() + PLAIN_SECRET + WORKLOAD)
    assert code == 0, stderr
    out = check_output(stdout, stderr, passthrough={"tls-legacy"})
    (secret,) = [i for i in out["items"] if i["kind"] == "Secret"]
    assert secret == yaml.safe_load(PLAIN_SECRET)[0]
    # the text too: exactly the occurrences the input had, no copy anywhere else
    for form in FORMS:
        assert stdout.count(form) == PLAIN_SECRET.count(form)
    assert any(i["kind"] == "ExternalSecret" for i in out["items"])


def test_values_covered_by_refs_are_dropped() -> None:
    """A key that `refs` covers may carry a value; the value must not travel anywhere."""
    body = (f'  stringData:\n    DB_URL: "{MARKER}"\n  data:\n    DB_PASS: {MARKER_B64}\n')
    refs = ("      secret-sync.dev/refs: |\n"
            "        DB_URL: {key: prod/app/url}\n        DB_PASS: {key: prod/app/pass}\n")
    code, stdout, stderr = run(placeholder_text(body, refs) + WORKLOAD)
    assert code == 0, stderr
    check_output(stdout, stderr, passthrough=set())
    assert_no_marker(stdout, "stdout")


def test_last_applied_configuration_is_not_copied() -> None:
    """kubectl's last-applied-configuration of a placeholder can hold the values it once had."""
    applied = ("      kubectl.kubernetes.io/last-applied-configuration: "
               f"'{{\"stringData\":{{\"password\":\"{MARKER}\"}}}}'\n")
    code, stdout, stderr = run(placeholder_text(annotations=applied) + WORKLOAD)
    assert code == 0, stderr
    check_output(stdout, stderr, passthrough=set())
    assert_no_marker(stdout, "stdout")


def test_validate_mode_success_keeps_only_the_allowed_secret() -> None:
    config = VALIDATE_CONFIG + "    validate: {allowNames: [shop/tls-legacy]}\n"
    code, stdout, stderr = run(placeholder_text() + PLAIN_SECRET, config)
    assert code == 0, stderr
    check_output(stdout, stderr, passthrough={"tls-legacy"})


# --- failure runs -----------------------------------------------------------------------------------

FAILURES = {
    "literal-stringData": (placeholder_text(f"  stringData:\n    password: {MARKER}\n"), CONFIG,
                           "carries a literal value"),
    "literal-data-base64": (placeholder_text(f"  data:\n    password: {MARKER_B64}\n"), CONFIG,
                            "carries a literal value"),
    "literal-block-scalar": (placeholder_text(f"  stringData:\n    cert: |\n      {MARKER}\n"), CONFIG,
                             "carries a literal value"),
    "literal-nested-mapping": (placeholder_text(f"  stringData:\n    p: {{x: {MARKER}}}\n"), CONFIG,
                               "carries a literal value"),
    "literal-with-user-secret": (placeholder_text(f"  stringData:\n    password: {MARKER}\n")
                                 + PLAIN_SECRET + WORKLOAD, CONFIG, "carries a literal value"),
    "user-secret-and-config-error": (placeholder_text() + PLAIN_SECRET + WORKLOAD,
                                     CONFIG + "    naming: {strategy: random}\n", "spec.naming"),
    "user-secret-and-unknown-store": (
        placeholder_text(annotations="      secret-sync.dev/store: nope\n") + PLAIN_SECRET,
        CONFIG, "unknown store"),
    "duplicate-key-with-values": (placeholder_text(f"  stringData:\n    p: {MARKER}\n    p: {MARKER}\n"),
                                  CONFIG, "duplicate key 'p'"),
    "unterminated-quote-in-value": (placeholder_text(f'  stringData:\n    p: "{MARKER}\n'), CONFIG,
                                    "not valid YAML"),
    "colon-in-plain-value": (placeholder_text(f"  stringData:\n    p: {MARKER}: x\n"), CONFIG,
                             "not valid YAML"),
    "refs-not-yaml": (placeholder_text(annotations=f'      secret-sync.dev/refs: "p: [{MARKER}"\n'),
                      CONFIG, "refs is not YAML"),
    "refs-bad-values": (placeholder_text(annotations="      secret-sync.dev/refs: |\n"
                                         f"        password: {{key: a, decodingStrategy: {MARKER}, "
                                         f"bogus: {MARKER}}}\n"), CONFIG, "decodingStrategy must be"),
    "alias-bomb-anchored-on-value": (
        placeholder_text(f"  stringData:\n    password: ''\n  x:\n    a: &a ['{MARKER}']\n"
                         + "".join(f"    b{i}: &b{i} [" + ", ".join(["*" + ("a" if i == 0 else f"b{i-1}")] * 12)
                                   + "]\n" for i in range(8))), CONFIG, "alias bomb"),
    "deep-nesting-around-value": (placeholder_text(f"  stringData:\n    p: {'[' * 200}{MARKER}{']' * 200}\n"),
                                  CONFIG, "nested deeper"),
    "validate-mode-inline-data": (PLAIN_SECRET, VALIDATE_CONFIG, "carries inline data"),
    "validate-command-inline-data": (PLAIN_SECRET, CONFIG, "carries inline data"),
    "control-character-in-value": (placeholder_text(f"  stringData:\n    p: {MARKER}\x01\n"), CONFIG,
                                   "control character"),
}


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_failure_never_prints_secret_material(case: str) -> None:
    items, config, message = FAILURES[case]
    args = ("validate",) if case.startswith("validate-command") else ()
    code, stdout, stderr = run(items, config, *args)
    assert code == 1
    assert message in stderr
    assert "Traceback" not in stderr and "internal error" not in stderr
    assert_no_marker(stderr, "stderr")
    assert_no_marker(stdout, "stdout")  # failed runs print no items at all
    assert yaml.safe_load(stdout)["items"] == []


def test_marker_in_provider_config_only_reaches_the_store() -> None:
    """The provider block is copied verbatim into the store (ESO's fake provider even holds
    values); it must not show up anywhere else, and not at all when the run fails."""
    config = CONFIG.replace("aws: {service: SecretsManager, region: eu-west-1}",
                            f"fake: {{data: [{{key: k, value: {MARKER}}}]}}")
    code, stdout, stderr = run(placeholder_text() + WORKLOAD, config)
    assert code == 0, stderr
    out = yaml.safe_load(stdout)
    assert_no_marker(stderr, "stderr")
    assert_no_marker(yaml.safe_dump(out.get("results") or []), "results")
    for item in out["items"]:
        if item["kind"] != "ClusterSecretStore":
            assert_no_marker(yaml.safe_dump(item), item["kind"])
    (store,) = [i for i in out["items"] if i["kind"] == "ClusterSecretStore"]
    assert store["spec"]["provider"]["fake"]["data"][0]["value"] == MARKER

    code, stdout, stderr = run(placeholder_text() + WORKLOAD, config + "    naming: {strategy: x}\n")
    assert code == 1
    assert_no_marker(stderr + stdout, "a failed run")
