"""What the switch from KES to ESO needs for each converted object (kes-mapping §8: ownership).

KES controller-owns the Secret it writes; ESO (creationPolicy Owner) will not adopt a Secret another
controller owns, and deleting the KES object garbage-collects that Secret. What the user must do
depends on whether ESO writes the same Secret (keep naming) or a new one (suffix/hash)."""

from __future__ import annotations

from ..model import SecretRequest
from ..results import Result, info

# One short line per case for kustomize builds, which never show results (cli.py prints them).
SUMMARY = {
    "takeover": "{n} converted KES object(s) keep their Secret name: delete the KES objects with "
                "orphan propagation first, or the prune deletes the Secrets",
    "side-by-side": "{n} KES object(s) kept side by side with new ExternalSecrets; in the next commit "
                    "set spec.kes.keep: false",
    "dropped": "{n} KES object(s) replaced: their old Secrets are garbage-collected once pruned; "
               "workloads in this build use the new ones",
}


def case(req: SecretRequest) -> str:
    if req.target_name == req.source.name:
        return "takeover"
    return "side-by-side" if req.keep_source else "dropped"


def summary(requests: list[SecretRequest]) -> list[str]:
    """The cut-over notes of a run, one short line per case, for kustomize's stderr."""
    counts: dict[str, int] = {}
    for req in requests:
        counts[case(req)] = counts.get(case(req), 0) + 1
    return [SUMMARY[c].format(n=n) for c, n in counts.items()]


def note(req: SecretRequest) -> Result:
    old, new = req.source.name, req.target_name
    which = case(req)
    if which == "takeover":
        text = (f"ESO targets the Secret {old!r} that KES controller-owns: ESO can take it over only "
                "after the KES object is deleted with orphan propagation (Argo CD "
                "PrunePropagationPolicy=orphan, kubectl delete --cascade=orphan) or its "
                "ownerReference is removed; a plain prune deletes the Secret")
    elif which == "side-by-side":
        text = (f"side by side: KES keeps owning Secret {old!r}, ESO writes {new!r} and workloads in "
                "this build now use it; in the next commit set spec.kes.keep: false to drop the KES "
                f"object (its Secret {old!r} is then garbage-collected)")
    else:
        text = (f"the KES object is dropped: once it is pruned, its Secret {old!r} is "
                f"garbage-collected; workloads in this build use {new!r} from ESO (anything outside "
                "the build that reads the old name must move too)")
    return info(text, resource=req.source.ref, file=req.source.file)
