"""yamlio: the emitter for generated objects and the plain-scalar safety rule."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from krm_fn import yamlio

TRICKY = ["on", "Off", "yes", "y", "n", "NO", "true", "null", "~", "", "0400", "0009", "1.10", "0x1F",
          "1e3", "1_000", "1:20", "2001-12-14", ".inf", "-", "a: b", "a #b", "#c", "- x", "@x", "`x",
          "it's", 'say "hi"', "back\\slash", "line1\nline2\n", "trail ", " lead", "tab\tx", "caf\u00e9 \u2603",
          "nul\x00x", "bell\x07", "ls\u2028x", "{x}", "[x]", "*a", "&a", "!t", "%x", "|x", ">x", "<<", "=",
          "1h0m0s", "15m0s", "500ms", "10", "prod/app/db", "external-secrets.io/v1", "a:b"]


def reads(text: str) -> tuple[object, object]:
    """The document under YAML 1.1 (PyYAML, as kubectl) and YAML 1.2 (ruamel, as kustomize/kpt)."""
    y12 = YAML(typ="safe", pure=True)
    y12.version = (1, 2)
    return yaml.safe_load(text), y12.load(text)


@pytest.mark.parametrize("value", TRICKY)
def test_strings_read_back_as_the_same_string_under_both_yaml_versions(value: str) -> None:
    text = yamlio.dump({"k": value, value: "as key"})
    for reading in reads(text):
        assert reading == {"k": value, value: "as key"}


@pytest.mark.parametrize("value", TRICKY)
def test_dump_is_what_ryml_would_write(value: str) -> None:
    """Generated objects are written once by dump and later re-emitted by ryml: same bytes."""
    obj = {"apiVersion": "v1", "kind": "X", "metadata": {"name": "n", "labels": {}},
           "spec": {"list": [{"a": value, "b": [value, 1, True, None]}, []], "s": value}}
    text = yamlio.dump(obj)
    assert yamlio.reformat(text) == text


scalars = st.one_of(st.text(max_size=12), st.integers(-10**6, 10**6), st.booleans(), st.none())
objects = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=3)),
    max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=8), objects, min_size=1, max_size=4))
def test_dump_round_trips_and_is_stable(obj: dict[str, object]) -> None:
    text = yamlio.dump(obj)
    for reading in reads(text):
        assert reading == obj
    assert yamlio.reformat(text) == text


def test_plain_only_when_safe() -> None:
    assert yamlio.plain_is_safe("prod-app-db") and yamlio.plain_is_safe("1h0m0s")
    for word in ("on", "yes", "null", "1.10", "0400", "a: b", "2001-12-14"):
        assert not yamlio.plain_is_safe(word)
