from __future__ import annotations

import pytest

from krm_fn.durations import DurationError, normalize


@pytest.mark.parametrize(("given", "canonical"), [
    ("1h", "1h0m0s"), ("60m", "1h0m0s"), ("90m", "1h30m0s"), ("15m", "15m0s"), ("30s", "30s"),
    ("0", "0s"), ("0s", "0s"), ("1.5h", "1h30m0s"), ("1h30m", "1h30m0s"), ("500ms", "500ms"),
    ("2h45m30s", "2h45m30s"), ("36h", "36h0m0s"), ("1m30.5s", "1m30.5s"),
])
def test_go_canonical_form(given: str, canonical: str) -> None:
    assert normalize(given) == canonical


@pytest.mark.parametrize("bad", ["", "1", "1d", "-5m", "h", "1h 30m", "1hh"])
def test_invalid_durations(bad: str) -> None:
    with pytest.raises(DurationError):
        normalize(bad)
