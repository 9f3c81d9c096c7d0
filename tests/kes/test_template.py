"""KES `template` → ESO `target.template` (kes-mapping.md §5)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from .support import failed, kes, ok, one, run, severities

FETCHED = [{"key": "k", "name": "password"}]


def with_template(template: Any, data: list[dict[str, Any]] | None = None) -> Any:
    return run(kes({"backendType": "secretsManager", "region": "us-east-1",
                    "data": FETCHED if data is None else data, "template": template}))


def b64(text: bytes) -> str:
    return base64.b64encode(text).decode()


def test_no_template_means_no_template_fields() -> None:
    req = ok(run(kes({"backendType": "secretsManager", "region": "r", "data": FETCHED})))
    assert (req.secret_type, req.template_data, req.merge_policy, req.template_labels,
            req.template_annotations, req.template_finalizers, req.immutable) == \
        (None, {}, None, {}, {}, [], None)


def test_type_and_static_metadata() -> None:
    req = ok(with_template({
        "type": "kubernetes.io/tls",
        "metadata": {"labels": {"dog": "farfel"}, "annotations": {"cat": "cheese"},
                     "finalizers": ["example.com/keep"]},
    }))
    assert req.secret_type == "kubernetes.io/tls"
    assert req.template_labels == {"dog": "farfel"}
    assert req.template_annotations == {"cat": "cheese"}
    assert req.template_finalizers == ["example.com/keep"]
    # metadata only: ESO writes every fetched key anyway, no merge policy needed
    assert req.merge_policy is None


def test_go_template_braces_in_static_values_are_escaped() -> None:
    req = ok(with_template({"metadata": {"annotations": {"note": "use {{ x }}"}},
                            "stringData": {"conf": "a: {{b}}"}}))
    assert req.template_annotations == {"note": 'use {{ "{{" }} x }}'}
    assert req.template_data == {"conf": 'a: {{ "{{" }}b}}'}


def test_data_base64_becomes_text_with_merge() -> None:
    req = ok(with_template({"data": {"config.ini": b64(b"[main]\nuser=app\n")}}))
    assert req.template_data == {"config.ini": "[main]\nuser=app\n"}
    # KES kept every fetched key next to the template; ESO only with Merge.
    assert req.merge_policy == "Merge"


def test_binary_template_data_is_decoded_by_eso() -> None:
    raw = b64(b"\xff\xfe\x00")
    req = ok(with_template({"data": {"blob": raw}}))
    assert req.template_data == {"blob": '{{ "' + raw + '" | b64dec }}'}


def test_invalid_base64_is_an_error_without_echoing_the_value() -> None:
    conv = with_template({"data": {"x": "not base64!!"}})
    (err,) = failed(conv)
    assert err.field == "spec.template.data.x"
    assert "not base64!!" not in err.message


def test_string_data_becomes_template_data_with_merge() -> None:
    req = ok(with_template({"stringData": {"url": "https://example"}}))
    assert req.template_data == {"url": "https://example"}
    assert req.merge_policy == "Merge"


def test_template_data_colliding_with_a_fetched_key_is_dropped() -> None:
    conv = with_template({"data": {"password": b64(b"x"), "extra": b64(b"y")}})
    req = ok(conv)
    # KES: the fetched value won; ESO Merge would let the template win.
    assert req.template_data == {"extra": "y"}
    one(conv, "spec.template.data.password", "warning")


def test_string_data_wins_over_fetched_keys_in_both() -> None:
    conv = with_template({"stringData": {"password": "fixed"}})
    assert ok(conv).template_data == {"password": "fixed"}
    assert severities(conv) == set()


def test_string_data_wins_over_template_data() -> None:
    conv = with_template({"data": {"a": b64(b"old")}, "stringData": {"a": "new"}})
    assert ok(conv).template_data == {"a": "new"}


@pytest.mark.parametrize(("template", "field"), [
    ({"stringData": {"f": "<%= data.s1 %>"}}, "spec.template.stringData.f"),
    ({"data": {"f.txt": "<% if (x) { %>y<% } %>"}}, "spec.template.data[f.txt]"),
    ({"metadata": {"labels": {"l": "<%= JSON.parse(data.s1).k %>"}}},
     "spec.template.metadata.labels.l"),
    ({"metadata": {"annotations": {"a": "${data.password}"}}},
     "spec.template.metadata.annotations.a"),
    ({"type": "<%= 'Opaque' %>"}, "spec.template.type"),
])
def test_lodash_is_an_error_that_says_what_to_do(template: Any, field: str) -> None:
    conv = with_template(template)
    err = one(conv, field, "error")
    assert "Go template" in err.message and "spec.patches" in err.message
    assert "data.s1 %>" not in err.message.replace("JSON.parse(data.s1).key %>", "")


def test_immutable() -> None:
    assert ok(with_template({"immutable": True})).immutable is True


def test_parts_kes_overwrote_are_dropped_quietly() -> None:
    conv = with_template({"apiVersion": "v1", "kind": "Secret",
                          "metadata": {"name": "x", "namespace": "y", "labels": {"a": "b"}}})
    req = ok(conv)
    assert req.template_labels == {"a": "b"}
    assert severities(conv) == {"info"}


def test_unknown_template_parts_warn() -> None:
    conv = with_template({"spec": {"x": 1}, "metadata": {"generateName": "x-"}})
    ok(conv)
    one(conv, "spec.template.spec", "warning")
    one(conv, "spec.template.metadata.generateName", "warning")


@pytest.mark.parametrize("template", [
    {"metadata": {"labels": {"n": 5}}},
    {"metadata": {"finalizers": "x"}},
    {"stringData": {"bad key": "x"}},
    {"stringData": {"k": 5}},
    {"immutable": "yes"},
    {"type": ""},
    {"data": "x"},
])
def test_malformed_templates_are_errors(template: Any) -> None:
    failed(with_template(template))


def test_template_values_never_appear_in_results() -> None:
    secret = "s3cr3t-VALUE"
    conv = with_template({"data": {"password": b64(secret.encode()), "k": secret},
                          "stringData": {"bad key": secret, "n": 1},
                          "metadata": {"labels": {"l": f"<% {secret} %>"}}})
    assert conv.results
    for result in conv.results:
        assert secret not in result.message


def test_template_data_next_to_data_from_warns_about_unknown_collisions() -> None:
    conv = run(kes({"backendType": "secretsManager", "region": "r", "dataFrom": ["all"],
                    "template": {"data": {"extra": b64(b"y")}, "stringData": {"s": "t"}}}))
    ok(conv)
    one(conv, "spec.template.data", "warning")


def test_string_data_next_to_data_from_is_fine() -> None:
    conv = run(kes({"backendType": "secretsManager", "region": "r", "dataFrom": ["all"],
                    "template": {"stringData": {"s": "t"}}}))
    ok(conv)
    assert conv.results == []
