"""The one Processor: ResourceList in -> config -> find -> plan names -> emit -> rewrite -> validate -> out.

Every step reports Results; any error result stops the run before anything is written, so the
output is all or nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from . import configcache, eso, naming, patches, placeholders, references, stores, validation, yamlio
from .metadata import KPT_INDEX, KPT_PATH, namespace_key, source_of
from .model import SecretRequest, StoreSpec
from .resourcelist import Item, ResourceList, emit_item
from .results import FunctionError, Result, error, info

if TYPE_CHECKING:
    from .config import SecretSync, Spec

ESO_GROUP = "external-secrets.io"
KES_API_VERSION = "kubernetes-client.io/v1"


class Outcome(NamedTuple):
    items: list[str]                  # YAML text of each output item, in order
    results: list[Result]


def load_config(rl: ResourceList) -> SecretSync:
    try:
        return configcache.load(rl.function_config())
    except configcache.ConfigError as exc:
        raise FunctionError(*(error(f"{_config_path(path)}: {msg}") for path, msg in exc.problems)) from None
    except yamlio.YamlError as exc:
        raise FunctionError(error(f"functionConfig: {exc}")) from None


def _config_path(path: str) -> str:
    return path if path.startswith("functionConfig") else f"functionConfig {path}"


def run(rl: ResourceList, mode: str | None = None) -> Outcome:
    cfg = load_config(rl)
    if (mode or cfg.spec.mode) == "validate":
        from . import validate_mode
        return Outcome([emit_item(rl, i.node) for i in rl.items], validate_mode.check(rl, cfg.spec))
    return Transformer(rl, cfg.spec).run()


class Transformer:
    def __init__(self, rl: ResourceList, spec: Spec) -> None:
        self.rl = rl
        self.spec = spec
        self.results: list[Result] = []

    def run(self) -> Outcome:
        store_table, problems = stores.configured(self.spec)
        self._stop_on(problems)
        requests, replaced = self._requests(store_table)
        self._stop_on(naming.plan(requests, self.spec))
        self.results.extend(_cut_over_note(req) for req in requests if req.origin == "kes")
        emitter = eso.Emitter(self.spec)
        generated = self._generate(emitter, requests)
        generated, problems = patches.apply(self.spec.patches, generated)
        self._stop_on(problems)
        self._stop_on(self._validate(generated))
        kept = [i for i in self.rl.items if i.position not in replaced]
        kept = self._upsert(kept, generated)
        self._stop_on(_target_collisions(kept, requests))
        edits = references.plan(self.rl, kept, requests, references.ReferenceTable(self.spec.references))
        self.results.extend(references.apply(self.rl.tree, edits))
        return Outcome(self._render(kept, generated, requests, replaced), self.results)

    def _stop_on(self, problems: list[Result]) -> None:
        self.results.extend(problems)
        errors = [r for r in self.results if r.severity == "error"]
        if errors:
            raise FunctionError(*errors)

    # --- find ------------------------------------------------------------------------------------

    def _requests(self, store_table: dict[str, StoreSpec]) -> tuple[list[SecretRequest], dict[int, SecretRequest]]:
        requests: list[SecretRequest] = []
        replaced: dict[int, SecretRequest] = {}
        problems: list[Result] = []
        for item in self.rl.items:
            req = self._request(item, store_table, problems)
            if req is None:
                continue
            requests.append(req)
            if not req.keep_source:
                replaced[item.position] = req
        self._stop_on(problems)
        return requests, replaced

    def _request(self, item: Item, store_table: dict[str, StoreSpec],
                 problems: list[Result]) -> SecretRequest | None:
        if placeholders.is_placeholder(item):
            req, found = placeholders.to_request(item, self.rl.data(item), self.spec, store_table)
            problems.extend(found)
            return req
        if self.spec.kes.enabled and item.api_version == KES_API_VERSION and item.kind == "ExternalSecret":
            from . import kes  # imported only when KES conversion is on

            conversion = kes.convert(self.rl.data(item), source_of(item), self.spec)
            problems.extend(conversion.results)
            return conversion.request
        return None

    # --- emit ------------------------------------------------------------------------------------

    def _generate(self, emitter: eso.Emitter, requests: list[SecretRequest]) -> list[dict[str, Any]]:
        out = [emitter.external_secret(req) for req in requests]
        needed, problems = stores.needed(requests)
        self._stop_on(problems)
        out.extend(emitter.store(store, ns) for store, ns in needed)
        return out

    def _validate(self, generated: list[dict[str, Any]]) -> list[Result]:
        problems: list[Result] = []
        for obj in generated:
            kind, name = obj["kind"], obj["metadata"].get("name", "")
            found = validation.check(obj)
            name_issue = naming.name_problem(str(name))
            if name_issue:
                found.append(("metadata.name", name_issue))
            problems.extend(error(f"generated {kind} {name!r}: {path} {msg}",
                                  resource=_ref(obj), field=path) for path, msg in found)
        return problems

    def _upsert(self, kept: list[Item], generated: list[dict[str, Any]]) -> list[Item]:
        """Replace objects a previous run generated (idempotent re-runs); refuse foreign ones."""
        ids = {_id(obj): obj for obj in generated}
        out: list[Item] = []
        problems: list[Result] = []
        for item in kept:
            key = (item.group, item.kind, item.namespace or "", item.name)
            if key not in ids:
                out.append(item)
                continue
            labels = (self.rl.data(item).get("metadata") or {}).get("labels") or {}
            if not eso.is_ours(labels):
                problems.append(error(
                    f"generated {item.kind} {item.name!r} collides with an object of the same "
                    "name in the input that secret-sync did not generate",
                    resource=item.ref, field="metadata.name", file=item.file))
        self._stop_on(problems)
        return out

    # --- write -----------------------------------------------------------------------------------

    def _render(self, kept: list[Item], generated: list[dict[str, Any]],
                requests: list[SecretRequest], replaced: dict[int, SecretRequest]) -> list[str]:
        paths = _KptPaths(kept)
        by_source = {id(req): obj for req, obj in zip(requests, generated[:len(requests)], strict=True)}
        stores_out = generated[len(requests):]
        texts: list[str] = []
        kept_positions = {i.position for i in kept}
        for item in self.rl.items:
            if item.position in kept_positions:
                texts.append(emit_item(self.rl, item.node))
            req = replaced.get(item.position)
            if req is not None:
                texts.append(_text(paths.place(by_source[id(req)], req)))
        for req in requests:
            if req.keep_source:
                texts.append(_text(paths.place(by_source[id(req)], req)))
        texts.extend(_text(paths.place(obj, None)) for obj in stores_out)
        return texts


def _target_collisions(kept: list[Item], requests: list[SecretRequest]) -> list[Result]:
    """A target Secret that the output also holds as a plain Secret: ESO and whoever applies that
    manifest would fight over it."""
    secrets = {(namespace_key(i.namespace), i.name): i for i in kept if i.kind == "Secret" and i.api_version == "v1"}
    problems = []
    for req in requests:
        other = secrets.get((namespace_key(req.source.namespace), req.target_name))
        if other is not None:
            problems.append(error(
                f"the target Secret {req.target_name!r} of the ExternalSecret generated for "
                f"{req.source.ref.describe()} collides with this Secret of the input; ESO and this "
                "manifest would overwrite each other", resource=other.ref, field="metadata.name",
                file=other.file))
    return problems


def _cut_over_note(req: SecretRequest) -> Result:
    """What the switch from KES to ESO needs for this object (kes-mapping: ownership at cut-over).

    KES controller-owns the Secret it writes; ESO (creationPolicy Owner) will not adopt a Secret
    another controller owns, and deleting the KES object garbage-collects that Secret."""
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


def _text(obj: dict[str, Any]) -> str:
    # yamlio.dump writes what ryml would (tests/test_yamlio.py holds it to that), so a later run,
    # which re-emits these objects through ryml, gives the same bytes.
    return yamlio.dump(obj)


def _ref(obj: dict[str, Any]) -> Any:
    from .results import ResourceRef

    meta = obj["metadata"]
    return ResourceRef(obj["apiVersion"], obj["kind"], meta.get("name", ""), meta.get("namespace"))


def _id(obj: dict[str, Any]) -> tuple[str, str, str, str]:
    meta = obj["metadata"]
    return (ESO_GROUP, obj["kind"], meta.get("namespace") or "", meta["name"])


class _KptPaths:
    """Give every generated object a file and an index no other output object uses (kpt)."""

    def __init__(self, kept: list[Item]) -> None:
        self.used: set[tuple[str, str]] = set()
        for item in kept:
            path = item.annotations.get(KPT_PATH)
            if path is not None:
                self.used.add((path, item.annotations.get(KPT_INDEX, "0")))

    def place(self, obj: dict[str, Any], req: SecretRequest | None) -> dict[str, Any]:
        meta = obj["metadata"]
        if req is not None and req.source.kpt_path:
            path = req.source.kpt_path
            index = int(req.source.kpt_index or 0) if req.source.kpt_index else 0
        else:
            ns = meta.get("namespace")
            path = f"{ns + '/' if ns else ''}{obj['kind'].lower()}_{meta['name']}.yaml"
            index = 0
        while (path, str(index)) in self.used:
            index += 1
        self.used.add((path, str(index)))
        annotations = meta.setdefault("annotations", {})
        annotations[KPT_PATH] = path
        annotations[KPT_INDEX] = str(index)
        return obj
