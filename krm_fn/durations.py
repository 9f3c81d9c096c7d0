"""Go durations: parse what users write ("1h", "90m", "1.5h", "0") and print Go's canonical form.

ESO stores refreshInterval as a metav1.Duration, which prints as Go's time.Duration.String();
writing that form avoids a permanent Argo CD diff ("1h" vs "1h0m0s").
"""

from __future__ import annotations

import re

_UNITS = {"ns": 1, "us": 10**3, "µs": 10**3, "μs": 10**3, "ms": 10**6, "s": 10**9,
          "m": 60 * 10**9, "h": 3600 * 10**9}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
MAX_NS = 2**63 - 1


class DurationError(ValueError):
    pass


def parse(text: str) -> int:
    """Nanoseconds of a Go duration string. Negative durations are refused (not meaningful here)."""
    s = text.strip()
    if s in ("0", "+0"):
        return 0
    if not s or s.startswith("-"):
        raise DurationError(f"{text!r} is not a duration (use Go form such as 1h, 15m, 30s, or 0)")
    s = s.lstrip("+")
    pos, ns = 0, 0
    while pos < len(s):
        m = _PART.match(s, pos)
        if not m:
            raise DurationError(f"{text!r} is not a duration (use Go form such as 1h, 15m, 30s, or 0)")
        whole, _, frac = m.group(1).partition(".")
        unit = _UNITS[m.group(2)]
        ns += int(whole or 0) * unit + (int(frac) * unit // 10 ** len(frac) if frac else 0)
        pos = m.end()
    if ns > MAX_NS:
        raise DurationError(f"{text!r} is longer than Go durations allow")
    return ns


def canonical(ns: int) -> str:
    """Go's time.Duration.String()."""
    if ns == 0:
        return "0s"
    if ns < 10**9:
        for unit, size in (("ms", 10**6), ("µs", 10**3), ("ns", 1)):
            if ns >= size:
                return _decimal(ns, size) + unit
    h, rem = divmod(ns, 3600 * 10**9)
    m, rem = divmod(rem, 60 * 10**9)
    out = ""
    if h:
        out += f"{h}h"
    if h or m:
        out += f"{m}m"
    return out + _decimal(rem, 10**9) + "s"


def _decimal(value: int, size: int) -> str:
    """value/size printed like Go: no trailing zeros in the fraction."""
    whole, frac = divmod(value, size)
    if not frac:
        return str(whole)
    digits = len(str(size)) - 1
    return f"{whole}.{frac:0{digits}d}".rstrip("0")


def normalize(text: str) -> str:
    return canonical(parse(text))
