"""Warnings about ordinary mistakes in the input that the run can survive but the user must see.

Each check is a row of a table or a small function over the items; none changes the output.
A secrets tool that silently guesses is worse than one that says what it ignored.
"""

from __future__ import annotations

from .metadata import OWN_PREFIX
from .model import SecretRequest
from .placeholders import KNOWN_ANNOTATIONS, NAMING
from .resourcelist import Item
from .results import Result, warning


def unknown_annotations(items: list[Item]) -> list[Result]:
    """Item 2 of issue 13: a `secret-sync.dev/*` key we do not define is a typo until proven
    otherwise (`stroe` would silently send a secret to the default store)."""
    found: list[Result] = []
    for item in items:
        for key in item.annotations:
            if key.startswith(OWN_PREFIX) and key not in KNOWN_ANNOTATIONS:
                found.append(warning(f"unknown annotation {key!r} is ignored{_did_you_mean(key)} "
                                     f"(secret-sync defines: {', '.join(sorted(KNOWN_ANNOTATIONS))})",
                                     resource=item.ref, field=f"metadata.annotations[{key}]",
                                     file=item.file))
            elif _near_prefix(key):
                found.append(warning(f"annotation {key!r} is ignored; did you mean "
                                     f"{OWN_PREFIX + key.partition('/')[2]!r}? (as written, secret-sync "
                                     "leaves the object as it is)",
                                     resource=item.ref, field=f"metadata.annotations[{key}]",
                                     file=item.file))
    return found


OWN_DOMAIN = OWN_PREFIX.rstrip("/")


def _near_prefix(key: str) -> bool:
    """`secret-sync.io/remote-key`, `secretsync.dev/store`: a placeholder marked this way stays a
    plain Secret with empty values, exit 0. The substring test keeps difflib off the hot path."""
    domain, slash, _ = key.partition("/")
    if not slash or domain == OWN_DOMAIN or ("secret" not in domain and "sync" not in domain):
        return False
    import difflib  # only for keys that look like ours

    return difflib.SequenceMatcher(None, domain, OWN_DOMAIN).ratio() >= 0.8


def _did_you_mean(key: str) -> str:
    import difflib  # only when there is a typo to explain

    # compared without the shared prefix, which would make every key look close
    known = sorted(k[len(OWN_PREFIX):] for k in KNOWN_ANNOTATIONS)
    close = difflib.get_close_matches(key[len(OWN_PREFIX):], known, n=1, cutoff=0.6)
    return f"; did you mean {OWN_PREFIX + close[0]!r}?" if close else ""


# KES read these Namespace annotations (kes-mapping.md §6, lib/poller.js _isPermitted); ESO reads none.
# (annotation, what KES limited with it, what does that job with ESO); plain tuples: no class to
# build on every start of the function.
KES_NAMESPACE_RULES: tuple[tuple[str, str, str], ...] = (
    ("iam.amazonaws.com/permitted", "which roles (roleArn, vaultRole) its ExternalSecrets "
                     "could assume",
                     "one SecretStore per namespace with its own role, or a ClusterSecretStore whose "
                     "spec.conditions list the namespaces allowed to use it"),
    ("externalsecrets.kubernetes-client.io/permitted-key-name",
                     "which remote keys its ExternalSecrets could read",
                     "one SecretStore per namespace whose credentials can read only those keys, or "
                     "spec.conditions on the ClusterSecretStore"),
)


def kes_namespace_limits(items: list[Item], kes_namespaces: set[str]) -> list[Result]:
    """Item 6: a Namespace that limited KES; converting its KES objects to ESO drops that limit.
    Only namespaces that hold a converted KES object: the others lose nothing (yet)."""
    found: list[Result] = []
    for item in items:
        if item.kind != "Namespace" or item.api_version != "v1" or item.name not in kes_namespaces:
            continue
        found.extend(warning(
            f"KES enforced {annotation} on this namespace ({limited}); ESO does not read it, so "
            f"converting the KES objects of namespace {item.name!r} widens their access. Replace it "
            f"with {replacement}",
            resource=item.ref, field=f"metadata.annotations[{annotation}]", file=item.file)
            for annotation, limited, replacement in KES_NAMESPACE_RULES if annotation in item.annotations)
    return found


RENAMING = ("hash", "suffix")


def unreferenced_renames(requests: list[SecretRequest], referenced: set[int]) -> list[Result]:
    """Item 5: a renamed Secret that nothing in the build points at. A controller that finds
    Secrets by a naming convention (an operator reading `alertmanager-<name>`) loses it.
    `referenced` holds id() of the requests some reference was rewritten to."""
    return [warning(
        f"the Secret is renamed to {req.target_name!r} ({req.naming} naming) but nothing in this "
        "build refers to it; a controller that finds it by name would lose it. Keep the name with "
        f"the annotation {NAMING}: keep, or declare the field that refers to it in "
        "spec.references.fieldSpecs",
        resource=req.source.ref, file=req.source.file)
        for req in requests
        if req.naming in RENAMING and req.target_name != req.source.name and id(req) not in referenced]
