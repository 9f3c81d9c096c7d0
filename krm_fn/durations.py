"""Go durations: parse what users write ("1h", "90m", "1.5h", "0") and print Go's canonical form.

ESO stores refreshInterval as a metav1.Duration, which prints as Go's time.Duration.String();
writing that form avoids a permanent Argo CD diff ("1h" vs "1h0m0s").
"""

from __future__ import annotations

import re
from fractions import Fraction

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
    pos, total = 0, Fraction(0)
    while pos < len(s):
        m = _PART.match(s, pos)
        if not m:
            raise DurationError(f"{text!r} is not a duration (use Go form such as 1h, 15m, 30s, or 0)")
        total += Fraction(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    ns = int(total)
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
                return _trim(Fraction(ns, size)) + unit
    secs = Fraction(ns, 10**9)
    h, rem = divmod(secs, 3600)
    m, s = divmod(rem, 60)
    out = ""
    if h:
        out += f"{int(h)}h"
    if h or m:
        out += f"{int(m)}m"
    return out + _trim(s) + "s"


def _trim(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    text = f"{float(value):.9f}".rstrip("0").rstrip(".")
    return text


def normalize(text: str) -> str:
    return canonical(parse(text))
