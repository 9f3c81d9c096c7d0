"""Arbitrary YAML-shaped input: convert reports, never raises, never hits its last-resort guard."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from krm_fn.kes import convert

from .support import config, source_for

FIELDS = ["backendType", "data", "dataFrom", "dataFromWithOptions", "template", "key", "name",
          "property", "isBinary", "path", "recursive", "version", "versionStage", "versionId",
          "secretType", "region", "roleArn", "vaultRole", "vaultMountPoint", "kvVersion",
          "keyVaultName", "projectId", "keyByName", "controllerId", "type", "metadata", "labels",
          "annotations", "stringData", "properties", "finalizers", "immutable"]
BACKENDS = ["secretsManager", "systemManager", "vault", "azureKeyVault", "gcpSecretsManager",
            "ibmcloudSecretsManager", "akeyless", "alicloudSecretsManager", "secretManager"]

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=12), st.sampled_from([*BACKENDS, "<% x %>", "a/data/b"]))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text(max_size=6), st.integers()),
                        inner, max_size=6),
    ),
    max_leaves=30,
)
# Entries shaped like KES data items, with any value in any field: reaches the backend rules.
items = st.dictionaries(st.sampled_from(FIELDS), st.one_of(scalars, values), max_size=6)
specs = st.fixed_dictionaries(
    {"backendType": st.sampled_from(BACKENDS)},
    optional={
        **{k: values for k in FIELDS if k != "backendType"},
        "data": st.lists(items, max_size=4),
        "dataFromWithOptions": st.lists(items, max_size=3),
        "dataFrom": st.lists(st.one_of(st.text(max_size=12), scalars), max_size=3),
        "template": st.dictionaries(st.sampled_from(FIELDS), st.one_of(items, values),
                                    max_size=4),
    },
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(spec=st.one_of(specs, values), top=st.dictionaries(st.sampled_from(
    ["metadata", "secretDescriptor", "status"]), values, max_size=2))
def test_convert_never_raises(spec: Any, top: dict[str, Any]) -> None:
    obj = {"apiVersion": "kubernetes-client.io/v1", "kind": "ExternalSecret",
           "metadata": {"name": "x"}, "spec": spec, **top}
    conv = convert(obj, source_for(obj), config())
    internal = [r.describe() for r in conv.results if "internal error" in r.message]
    assert not internal
    assert (conv.request is None) == any(r.severity == "error" for r in conv.results)
