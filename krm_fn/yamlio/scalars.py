"""What a scalar's text means, and how to write a string so that it keeps meaning that string.

Reading follows YAML 1.2's core schema, as kustomize and kpt do. Writing must satisfy YAML 1.1
(kubectl, PyYAML) as well, so a string is written plain only when both read it back as a string.
"""

from __future__ import annotations

import functools
import json
import re

from ..records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

# --- reading -------------------------------------------------------------------------------------

_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+\Z")
_OCT = re.compile(r"0o[0-7]+\Z")
_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_INF = re.compile(r"[-+]?\.(inf|Inf|INF)\Z")
_NAN = re.compile(r"\.(nan|NaN|NAN)\Z")


def resolve_plain(text: str) -> Any:
    """YAML 1.2 core schema resolution of a plain scalar (how kustomize and kpt read it)."""
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if text[0].isalpha():  # most scalars (and keys): no number starts with a letter
        return text
    if _INT.match(text):
        return int(text)
    if _OCT.match(text):
        return int(text[2:], 8)
    if _HEX.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return float("-inf") if text.startswith("-") else float("inf")
    if _NAN.match(text):
        return float("nan")
    return text


# --- writing -------------------------------------------------------------------------------------

_PLAIN_OK = re.compile(r"[A-Za-z/][A-Za-z0-9_./:@-]*( [A-Za-z0-9_./:@()'-]+)*\Z")
# Plain scalars that YAML 1.1 (kubectl, PyYAML) or 1.2 (kustomize) would not read as a string.
_AMBIGUOUS_WORDS = {
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf",
}
_GO_DURATION = re.compile(r"([0-9]+(\.[0-9]+)?(h|m|s|ms|us|ns))+\Z")


@functools.lru_cache(maxsize=4096)  # generated objects repeat the same few strings
def plain_is_safe(value: str) -> bool:
    """True when `value` written plain reads back as the same string under YAML 1.1 and 1.2."""
    if _GO_DURATION.match(value) and not value.isdigit():
        return True  # "1h0m0s": no YAML 1.1 or 1.2 type starts with digits and ends in a unit
    if not _PLAIN_OK.match(value):
        return False
    if value.lower() in _AMBIGUOUS_WORDS or value.endswith(":"):
        return False
    return ": " not in value and " #" not in value


@functools.cache  # compiled on first use: its surrogate range takes ~0.5 ms, most runs quote nothing
def unprintable() -> re.Pattern[str]:
    """Characters that must be escaped inside a double-quoted scalar to keep their meaning."""
    return re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]")


_JSON_TAB = re.compile(r"(\\\\)|\\t")  # an escaped backslash (kept) or a JSON \t escape


def quote(value: str) -> str:
    """A double-quoted YAML scalar: JSON escapes (valid in YAML) plus the characters YAML 1.1
    treats as line breaks or that are not printable."""
    out = json.dumps(value, ensure_ascii=False)
    if not (out.isascii() and out.isprintable()):  # printable ASCII needs no more escapes
        out = unprintable().sub(lambda m: f"\\u{ord(m.group()):04x}", out)
    # A raw tab is valid inside double quotes and is how ryml writes it: same bytes either way.
    return _JSON_TAB.sub(lambda m: m.group(1) or "\t", out) if "\\t" in out else out
