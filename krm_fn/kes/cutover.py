"""What the switch from KES to ESO needs for each converted object (kes-mapping §8: ownership).

KES controller-owns the Secret it writes; ESO (creationPolicy Owner) will not adopt a Secret another
controller owns, and deleting the KES object garbage-collects that Secret. What the user must do
depends on whether ESO writes the same Secret (keep naming) or a new one (suffix/hash)."""

from __future__ import annotations

from ..model import SecretRequest
from ..results import Result, info


def note(req: SecretRequest) -> Result:
    old, new = req.source.name, req.target_name
    if new == old:
        text = (f"ESO targets the Secret {old!r} that KES controller-owns: ESO can take it over only "
                "after the KES object is deleted with orphan propagation (Argo CD "
                "PrunePropagationPolicy=orphan, kubectl delete --cascade=orphan) or its "
                "ownerReference is removed; a plain prune deletes the Secret")
    elif req.keep_source:
        text = (f"side by side: KES keeps owning Secret {old!r}, ESO writes {new!r} and workloads in "
                "this build now use it; in the next commit set spec.kes.keep: false to drop the KES "
                f"object (its Secret {old!r} is then garbage-collected)")
    else:
        text = (f"the KES object is dropped: once it is pruned, its Secret {old!r} is "
                f"garbage-collected; workloads in this build use {new!r} from ESO (anything outside "
                "the build that reads the old name must move too)")
    return info(text, resource=req.source.ref, file=req.source.file)
