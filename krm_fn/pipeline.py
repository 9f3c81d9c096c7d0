"""The one Processor: ResourceList in -> config -> find -> plan names -> emit -> rewrite -> validate -> out.

Every step reports Results; any error result stops the run before anything is written, so the
output is all or nothing.
"""

from __future__ import annotations

from . import (
    configcache,
    conflicts,
    eso,
    hints,
    naming,
    output,
    patches,
    placeholders,
    references,
    stores,
    validation,
    yamlio,
)
from .metadata import namespace_key, source_of
from .model import SecretRequest, StoreSpec
from .records import TYPE_CHECKING, NamedTuple
from .resourcelist import Item, ResourceList, emit_item
from .results import FunctionError, Result, error

if TYPE_CHECKING:
    from typing import Any

    from .config import SecretSync, Spec

KES_API_VERSION = "kubernetes-client.io/v1"


class Outcome(NamedTuple):
    items: list[str]                  # YAML text of each output item, in order
    results: list[Result]
    # Short notes for stderr where the orchestrator never shows info results (kustomize)
    notes: tuple[str, ...] = ()


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
        self.results.extend(hints.unknown_annotations(self.rl.items))
        requests, replaced = self._requests(store_table)
        self._stop_on(naming.plan(requests, self.spec))
        notes = self._cutover([req for req in requests if req.origin == "kes"])
        external_secrets, store_objects = self._generate(requests)
        self._stop_on(validation.check_generated(external_secrets + store_objects))
        kept, previous, problems = conflicts.upsert(
            self.rl, [i for i in self.rl.items if i.position not in replaced], external_secrets + store_objects,
            [req.source.file for req in requests])
        self._stop_on(problems + conflicts.target_secrets(kept, requests) + conflicts.kept_kes_targets(requests))
        edits = references.plan(self.rl, kept, requests, references.ReferenceTable(self.spec.references))
        self.results.extend(hints.unreferenced_renames(
            [req for req in requests if req.origin == "placeholder"], {id(e.request) for e in edits}))
        self.results.extend(references.apply(self.rl.tree, edits))
        return Outcome(output.items(self.rl, kept, replaced, requests, external_secrets, store_objects,
                                    previous), self.results, notes)

    def _cutover(self, kes_requests: list[SecretRequest]) -> tuple[str, ...]:
        """What switching from KES needs (info results; stderr notes for kustomize), and what
        KES enforced that ESO does not."""
        if not kes_requests:
            return ()
        from .kes import cutover

        self.results.extend(hints.kes_namespace_limits(
            self.rl.items, {namespace_key(req.source.ref.namespace) for req in kes_requests}))
        self.results.extend(cutover.note(req) for req in kes_requests)
        return tuple(cutover.summary(kes_requests))

    def _stop_on(self, problems: list[Result]) -> None:
        self.results.extend(problems)
        if any(r.severity == "error" for r in self.results):
            raise FunctionError(*self.results)  # warnings too: they often explain the error

    # --- find ------------------------------------------------------------------------------------

    def _requests(self, store_table: dict[str, StoreSpec]) -> tuple[list[SecretRequest], dict[int, SecretRequest]]:
        """The requests in input order, and which input positions they replace."""
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
            req, found = placeholders.to_request(item, self.rl.text_data(item), self.spec, store_table)
            problems.extend(found)
            return req
        if self.spec.kes.enabled and item.api_version == KES_API_VERSION and item.kind == "ExternalSecret":
            from . import kes  # imported only when KES conversion is on

            conversion = kes.convert(self.rl.data(item), source_of(item), self.spec)
            problems.extend(conversion.results)
            return conversion.request
        return None

    # --- emit ------------------------------------------------------------------------------------

    def _generate(self, requests: list[SecretRequest]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """ExternalSecrets (one per request, same order) and stores, after spec.patches."""
        emitter = eso.Emitter(self.spec)
        external_secrets = [emitter.external_secret(req) for req in requests]
        needed, problems = stores.needed(requests)
        self._stop_on(problems)
        store_objects = [emitter.store(store, ns) for store, ns in needed]
        # patches never add or remove objects: the first len(requests) are still the ExternalSecrets
        sources = [req.source for req in requests] + [None] * len(store_objects)
        patched, problems = patches.apply(self.spec.patches, external_secrets + store_objects, sources)
        self._stop_on(problems)
        return patched[:len(requests)], patched[len(requests):]
