"""lodash `get` paths (KES property) → gjson paths (ESO property), kes-mapping.md §2."""

from __future__ import annotations

import pytest

from krm_fn.kes.gjson import lodash_to_gjson


@pytest.mark.parametrize(("lodash", "gjson"), [
    ("password", "password"),
    ("a.b.c", "a.b.c"),
    ("cert.p12", "cert.p12"),
    ("a[0]", "a.0"),
    ("a[0].b", "a.0.b"),
    ("a[0][1]", "a.0.1"),
    ("[0].x", "0.x"),
    ("a['b.c']", r"a.b\.c"),
    ('a["b"].c', "a.b.c"),
    ("a['x*y?']", r"a.x\*y\?"),
])
def test_translations(lodash: str, gjson: str) -> None:
    assert lodash_to_gjson(lodash) == gjson


@pytest.mark.parametrize("lodash", ["a[", "a]", "a[x]", "a[0]b", "a..[0]", "a['x]", "a[-1]"])
def test_unreadable_paths(lodash: str) -> None:
    assert lodash_to_gjson(lodash) is None
