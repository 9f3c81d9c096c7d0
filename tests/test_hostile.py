"""Hostile and malformed input (issue 6, item 1): one table row per case.

Every row runs the installed `secret-sync` command as kustomize, kpt and Argo CD do, and checks
what those orchestrators (and the person reading the build log) see:
- the exit code (1 for every failure; kustomize and Argo CD only look at it),
- a message on stderr that names what is wrong and where (object, field, file/index, line),
- no Python traceback and no "internal error" (that would be a bug, not an answer),
- no items on stdout: stdout is a ResourceList with `items: []` and the error in `results`,
- the run ends within TIME_LIMIT seconds, even for alias bombs, 100k-level nesting and huge input.

docs/reliability.md is the table of these rows (case -> answer).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import yaml
from conftest import (
    RESOURCE_LIST_HEADER,
    WEB_DEPLOYMENT,
    aws_config_text,
    coverage_note,
    placeholder_text,
    resource_list_text,
    run_fn,
)

TIME_LIMIT = 5.0  # seconds of wall time per run; the slowest row takes about one
MARKER = "LEAK-MARKER-1234"

CONFIG = aws_config_text("secrets")
PLACEHOLDER = placeholder_text('  stringData:\n    username: ""\n')
CONFIGMAP = """\
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: settings
    namespace: shop
  data:
    mode: fast
"""


def resource_list(items: str = PLACEHOLDER + WEB_DEPLOYMENT, config: str = CONFIG) -> bytes:
    return resource_list_text(items, config).encode()


def billion_laughs(indent: int) -> str:
    """Nine levels of nine aliases each: 9**9 (387 million) nodes when expanded."""
    pad = " " * indent
    lines = [f'{pad}l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"{pad}l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 9)]
    return "\n".join(lines) + "\n"


def flow_nesting(depth: int) -> str:
    return "[" * depth + "]" * depth


def block_map_nesting(levels: int, indent: int) -> str:
    """`k:` mappings nested `levels` deep, one column per level (block style)."""
    body = "".join(" " * (indent + i) + "k:\n" for i in range(levels))
    return body + " " * (indent + levels) + "k: v\n"


def compact_seq_nesting(levels: int, indent: int) -> str:
    """`- - - ... - v`: block sequences nested `levels` deep on one line."""
    return " " * indent + "- " * levels + "v\n"


def garbage(size: int, seed: int) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.randrange(256) for _ in range(size))


@dataclass
class Case:
    id: str
    stdin: Callable[[], bytes]
    stderr: list[str]                 # fragments that must all be on stderr (case-sensitive)
    exit_code: int = 1
    env: dict[str, str] = field(default_factory=dict)
    answer: str = ""                  # the answer column of docs/reliability.md's table
    known_bug: str = ""               # set while the answer is not what the code does (xfail)
    check: Callable[[dict, str], None] | None = None  # checks of a successful run's output


def _unowned_bomb_kept(out: dict, stdout: str) -> None:
    (cm,) = [i for i in out["items"] if i["kind"] == "ConfigMap"]
    assert len(cm["data"]["l8"]) == 9
    # written back with its anchors and aliases, not expanded
    assert "&l8" in stdout and "*l7" in stdout and len(stdout) < 10_000


def _other_namespace_untouched(out: dict, stdout: str) -> None:
    deploys = {i["metadata"]["namespace"]: i for i in out["items"] if i["kind"] == "Deployment"}
    es = next(i for i in out["items"] if i["kind"] == "ExternalSecret")
    ghost = deploys["ghost"]["spec"]["template"]["spec"]["containers"][0]["envFrom"][0]
    shop = deploys["shop"]["spec"]["template"]["spec"]["containers"][0]["envFrom"][0]
    assert ghost["secretRef"]["name"] == "app-db"  # another namespace: a different Secret
    assert shop["secretRef"]["name"] == es["metadata"]["name"] != "app-db"


def _typo_warned(out: dict, stdout: str) -> None:
    (warning,) = [r for r in out["results"] if "unknown annotation" in r["message"]]
    assert warning["severity"] == "warning"
    assert "did you mean 'secret-sync.dev/store'" in warning["message"]


VALIDATE_CONFIG = """\
functionConfig:
  apiVersion: secret-sync.dev/v1alpha1
  kind: SecretSync
  metadata: {name: validate}
  spec: {mode: validate}
"""
GENERATED_ES = """\
- apiVersion: external-secrets.io/v1
  kind: ExternalSecret
  metadata:
    name: prod-app-db
    namespace: shop
    labels: {app.kubernetes.io/managed-by: secret-sync}
  spec:
    secretStoreRef: {kind: ClusterSecretStore, name: aws}
    data: [{secretKey: password, remoteRef: {key: prod/app/db}}]
"""
RENAMED_STORE = """\
- apiVersion: external-secrets.io/v1
  kind: ClusterSecretStore
  metadata:
    name: prod-aws
    namespace: shop
    annotations: {internal.config.kubernetes.io/previousNames: 'aws,aws'}
  spec: {provider: {aws: {service: SecretsManager, region: eu-west-1}}}
"""


def _placeholder_read_through_aliases(out: dict, stdout: str) -> None:
    (es,) = [i for i in out["items"] if i["kind"] == "ExternalSecret"]
    assert es["metadata"]["namespace"] == "shop"
    assert es["spec"]["data"][0]["remoteRef"]["key"] == "prod/app/db"
    assert "Secret" not in [i["kind"] for i in out["items"]]


def _bom_stripped(out: dict, stdout: str) -> None:
    kinds = [i["kind"] for i in out["items"]]
    assert "Secret" not in kinds and "ExternalSecret" in kinds


def _huge_scalar_kept(out: dict, stdout: str) -> None:
    (cm,) = [i for i in out["items"] if i["kind"] == "ConfigMap"]
    assert cm["data"]["blob"] == "x" * 8_000_000


def _unowned_deep_duplicate_kept(out: dict, stdout: str) -> None:
    (cm,) = [i for i in out["items"] if i["kind"] == "ConfigMap"]
    assert "mode" in cm["data"]


DEEP = 100_000
DEPLOYMENT_WITH_BOMB = f"""\
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
    namespace: shop
  x:
{billion_laughs(4)}  spec:
    template:
      spec:
        containers: *l8
"""

CASES: list[Case] = [
    # --- not a ResourceList at all ---------------------------------------------------------------
    Case("not-yaml", lambda: resource_list(CONFIGMAP).replace(b"mode: fast", b"mode: fast: slow"),
         ["not valid YAML", "two colons on same line", "line 10"],
         answer="exit 1: `stdin: not valid YAML: <reason> at line L, column C`"),
    Case("not-yaml-unclosed", lambda: b"items: [unclosed\n", ["not valid YAML", "missing terminating ]"],
         answer="exit 1: same"),
    Case("yaml-scalar", lambda: b"just some text\n", ["not a ResourceList", "not a mapping"],
         answer="exit 1: `stdin is not a ResourceList: the document is not a mapping`"),
    Case("yaml-sequence", lambda: b"- a\n- b\n", ["not a ResourceList", "not a mapping"],
         answer="exit 1: same"),
    Case("kubernetes-list", lambda: b"apiVersion: v1\nkind: List\nitems: []\n",
         ["not a ResourceList", "kind 'List'"],
         answer="exit 1: names the apiVersion and kind it got"),
    Case("plain-manifest", lambda: b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n",
         ["not a ResourceList", "apiVersion 'apps/v1'", "kind 'Deployment'"],
         answer="exit 1: same"),
    Case("two-documents", lambda: resource_list() + b"---\n" + resource_list(),
         ["2 YAML documents", "expected one ResourceList"],
         answer="exit 1: `stdin holds N YAML documents; expected one ResourceList`"),
    Case("items-mapping", lambda: RESOURCE_LIST_HEADER.encode() + b"items: {a: 1}\n",
         ["items must be a list"], answer="exit 1: `ResourceList field items must be a list`"),
    Case("items-scalar", lambda: RESOURCE_LIST_HEADER.encode() + b"items: everything\n",
         ["items must be a list"], answer="exit 1: same"),
    Case("item-not-mapping", lambda: resource_list(PLACEHOLDER + "- just a string\n"),
         ["items[1] is not a mapping"], answer="exit 1: `items[N] is not a mapping`"),
    Case("item-without-kind",
         lambda: resource_list(PLACEHOLDER + "- apiVersion: v1\n  metadata: {name: x}\n"),
         ["items[1]: the object has no kind"], answer="exit 1: `items[N]: the object has no kind`"),
    Case("item-without-kind-kpt-path",
         lambda: resource_list(
             PLACEHOLDER + "- apiVersion: v1\n  metadata:\n    name: x\n    annotations:\n"
             "      internal.config.kubernetes.io/path: base/thing.yaml\n"
             "      internal.config.kubernetes.io/index: '2'\n"),
         ["base/thing.yaml[2] (items[1]): the object has no kind"],
         answer="exit 1: the file and index kpt/kustomize annotated come first"),
    Case("item-without-name",
         lambda: resource_list(CONFIGMAP.replace("    name: settings\n", "")),
         ["items[0]: the object has no metadata.name"],
         answer="exit 1: `items[N]: the object has no metadata.name`"),
    Case("item-without-apiversion",
         lambda: resource_list(CONFIGMAP.replace("- apiVersion: v1\n  kind", "- kind")),
         ["items[0]: the object has no apiVersion"],
         answer="exit 1: `items[N]: the object has no apiVersion`"),
    # --- alias bombs ------------------------------------------------------------------------------
    Case("alias-bomb-placeholder",
         lambda: resource_list(PLACEHOLDER + "  extra:\n" + billion_laughs(4)),
         ["Secret shop/app-db", "alias bomb"],
         answer="exit 1 in < 1 s: `Secret ns/name: field <path>: YAML aliases expand to too many "
                "nodes (an alias bomb?)` (budget: 100,000 nodes reached through aliases)"),
    Case("alias-bomb-workload",
         lambda: resource_list(PLACEHOLDER + DEPLOYMENT_WITH_BOMB),
         ["Deployment shop/web", "alias bomb"],
         answer="exit 1 in < 1 s: same, names the workload (the bomb sits where Secret references "
                "are looked for: `containers: *bomb`)"),
    Case("alias-bomb-function-config",
         lambda: resource_list(config=CONFIG + "    x:\n" + billion_laughs(6)),
         ["functionConfig", "alias bomb"], answer="exit 1 in < 1 s: same, names the functionConfig"),
    Case("alias-bomb-unowned-item",
         lambda: resource_list(PLACEHOLDER + CONFIGMAP + billion_laughs(4)),
         [], exit_code=0, check=_unowned_bomb_kept,
         answer="exit 0: an object the function does not read is not expanded; it is written "
                "back with its anchors and aliases, the same size as it came in"),
    Case("alias-without-anchor",
         lambda: resource_list(PLACEHOLDER + "  immutable: *nowhere\n"),
         ["Secret shop/app-db", "alias *nowhere has no anchor"],
         answer="exit 1: `<Kind ns/name>: YAML alias *a has no anchor` in objects the function reads"),
    Case("aliases-in-identity-fields",
         lambda: resource_list(
             "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: settings, namespace: shop}\n"
             "  data: {remote: &rk prod/app/db, ns: &ns shop}\n"
             + PLACEHOLDER.replace("namespace: shop", "namespace: *ns").replace(
                 "remote-key: prod/app/db", "remote-key: *rk")),
         [], exit_code=0, check=_placeholder_read_through_aliases,
         answer="exit 0: apiVersion, kind, metadata, name, namespace and annotations given "
                "through aliases are read through them"),
    Case("alias-to-anchor-in-placeholder",
         lambda: resource_list(
             PLACEHOLDER.replace("remote-key: prod/app/db", "remote-key: &rk prod/app/db")
             + CONFIGMAP + "    remote: *rk\n"),
         ["YAML alias *rk refers to an anchor in an object secret-sync replaces"],
         answer="exit 1: `YAML alias *a refers to an anchor in an object secret-sync replaces (a "
                "placeholder); write the value out instead of the alias` (the output would not "
                "parse downstream)"),
    # --- deep nesting -----------------------------------------------------------------------------
    Case("deep-flow-unowned", lambda: resource_list(CONFIGMAP + f"  x: {flow_nesting(DEEP)}\n"),
         ["ConfigMap shop/settings", "nested deeper than 63 levels"],
         answer="exit 1 in < 1 s: `ConfigMap ns/name: nested deeper than 63 levels, more than the "
                "YAML emitter writes` (no Kubernetes object comes close; the ApplicationSet CRD "
                "is 35)"),
    Case("deep-flow-workload",
         lambda: resource_list(PLACEHOLDER + WEB_DEPLOYMENT + f"    x: {flow_nesting(DEEP)}\n"),
         ["Deployment shop/web", "nested deeper than"], answer="exit 1 in < 1 s: same"),
    Case("deep-flow-mapping-unowned",
         lambda: resource_list(CONFIGMAP + "  x: " + "{a: " * DEEP + "1" + "}" * DEEP + "\n"),
         ["ConfigMap shop/settings", "nested deeper than 63 levels"], answer="exit 1: same"),
    Case("deep-block-maps-unowned",
         lambda: resource_list(CONFIGMAP + "  x:\n" + block_map_nesting(3000, 3)),
         ["ConfigMap shop/settings", "nested deeper than 63 levels"], answer="exit 1: same"),
    Case("deep-block-maps-workload",
         lambda: resource_list(PLACEHOLDER + WEB_DEPLOYMENT + "    x:\n" + block_map_nesting(3000, 5)),
         ["Deployment shop/web", "nested deeper than"], answer="exit 1: same"),
    Case("deep-block-sequences-unowned",
         lambda: resource_list(CONFIGMAP + "  x:\n" + compact_seq_nesting(DEEP, 2)),
         ["ConfigMap shop/settings", "nested deeper than 63 levels"], answer="exit 1: same"),
    Case("deep-function-config",
         lambda: resource_list(config=CONFIG + f"    x: {flow_nesting(DEEP)}\n"),
         ["functionConfig", "nested deeper than"], answer="exit 1: same, names the functionConfig"),
    # --- size -------------------------------------------------------------------------------------
    Case("input-over-limit", lambda: resource_list(CONFIGMAP * 200),
         ["larger than the limit of 4096 bytes", "SECRET_SYNC_MAX_INPUT_BYTES"],
         env={"SECRET_SYNC_MAX_INPUT_BYTES": "4096"},
         answer="exit 1: `input is larger than the limit of N bytes (set "
                "SECRET_SYNC_MAX_INPUT_BYTES to raise it)`; default 256 MiB; stdin is read only "
                "up to the limit"),
    Case("huge-scalar-over-limit",
         lambda: resource_list(CONFIGMAP + "    blob: " + "x" * 100_000 + "\n"),
         ["larger than the limit of 65536 bytes"], env={"SECRET_SYNC_MAX_INPUT_BYTES": "65536"},
         answer="exit 1: same"),
    Case("huge-scalar-under-limit",
         lambda: resource_list(PLACEHOLDER + CONFIGMAP + "    blob: " + "x" * 8_000_000 + "\n"),
         [], exit_code=0, check=_huge_scalar_kept,
         answer="exit 0: an 8 MB scalar passes through unchanged"),
    Case("huge-secret-value-in-placeholder",
         lambda: resource_list(PLACEHOLDER.replace('username: ""', "username: " + MARKER * 100_000)),
         ["Secret shop/app-db", "stringData.username", "carries a literal value"],
         answer="exit 1: the usual literal-value error; the value is never printed"),
    Case("bad-limit-setting", lambda: resource_list(), ["SECRET_SYNC_MAX_INPUT_BYTES must be"],
         env={"SECRET_SYNC_MAX_INPUT_BYTES": "lots"},
         answer="exit 1: `SECRET_SYNC_MAX_INPUT_BYTES must be a positive number of bytes`"),
    # --- bytes that are not UTF-8 YAML text ---------------------------------------------------------
    Case("binary-garbage", lambda: garbage(4096, seed=6), ["not UTF-8 text", "offset"],
         answer="exit 1: `input is not UTF-8 text (invalid byte at offset N)`"),
    Case("binary-garbage-with-header", lambda: resource_list() + garbage(512, seed=7),
         ["not UTF-8 text", "offset"], answer="exit 1: same"),
    Case("control-character", lambda: resource_list(CONFIGMAP).replace(b"fast", b"fa\x07st"),
         ["control character U+0007", "line"],
         answer="exit 1: `input contains the control character U+00XX at line L`"),
    Case("nul-byte", lambda: resource_list().replace(b"prod/app/db", b"prod/\x00/db"),
         ["control character U+0000", "line 10"], answer="exit 1: same"),
    Case("empty-stdin", lambda: b"", ["no input"],
         answer="exit 1: `no input: expected a ResourceList (YAML) on stdin`"),
    Case("blank-stdin", lambda: b" \n\n\t\n", ["no input"], answer="exit 1: same"),
    Case("utf16-le-bom", lambda: b"\xff\xfe" + resource_list().decode().encode("utf-16-le"),
         ["UTF-16", "must be UTF-8"], answer="exit 1: `input is UTF-16; a ResourceList must be UTF-8`"),
    Case("utf16-be-bom", lambda: b"\xfe\xff" + resource_list().decode().encode("utf-16-be"),
         ["UTF-16", "must be UTF-8"], answer="exit 1: same"),
    Case("utf16-no-bom", lambda: resource_list().decode().encode("utf-16-le"),
         ["looks like UTF-16 or UTF-32", "must be UTF-8"],
         answer="exit 1: `input looks like UTF-16 or UTF-32 (NUL bytes at the start)`"),
    Case("utf8-bom", lambda: b"\xef\xbb\xbf" + resource_list(), [], exit_code=0,
         check=_bom_stripped, answer="exit 0: the UTF-8 byte order mark is dropped"),
    # --- duplicate keys -----------------------------------------------------------------------------
    Case("duplicate-key-placeholder-data",
         lambda: resource_list(PLACEHOLDER + f"    username: {MARKER}\n"),
         ["Secret shop/app-db", "field stringData.username", "duplicate key 'username'"],
         answer="exit 1: `<Kind ns/name>: field <path>: duplicate key 'k'` in every object the "
                "function reads or rewrites (placeholders, KES objects, workloads, Secrets in "
                "validate mode, the functionConfig)"),
    Case("duplicate-key-placeholder-annotation",
         lambda: resource_list(PLACEHOLDER.replace(
             "      secret-sync.dev/remote-key: prod/app/db\n",
             "      secret-sync.dev/remote-key: prod/app/db\n"
             "      secret-sync.dev/remote-key: prod/other/db\n")),
         ["items[0] metadata.annotations", "duplicate key 'secret-sync.dev/remote-key'"],
         answer="exit 1: `items[N] metadata.annotations: duplicate key 'k'`: top-level, "
                "metadata and annotation keys are checked in every item"),
    Case("duplicate-key-workload-reference",
         lambda: resource_list(PLACEHOLDER + WEB_DEPLOYMENT.replace(
             "{name: app-db}", "{name: other, name: app-db}")),
         ["Deployment shop/web",
          "field spec.template.spec.containers[0].envFrom[0].secretRef.name",
          "duplicate key 'name'"],
         answer="exit 1: same (a reader taking the first key and a writer taking the last "
                "would disagree)"),
    Case("duplicate-key-function-config",
         lambda: resource_list(config=CONFIG + "    defaultStore: gcp\n"),
         ["functionConfig", "duplicate key 'defaultStore'", "spec.defaultStore"],
         answer="exit 1: same, names the functionConfig field"),
    Case("duplicate-key-resource-list",
         lambda: resource_list() + b"items: []\n", ["duplicate key 'items'"],
         answer="exit 1: `stdin: the ResourceList: duplicate key 'items'`"),
    Case("duplicate-key-item-metadata",
         lambda: resource_list(CONFIGMAP.replace("    name: settings\n",
                                                 "    name: settings\n    name: other\n")),
         ["items[0] metadata", "duplicate key 'name'"], answer="exit 1: same"),
    Case("duplicate-key-deep-in-unowned-item",
         lambda: resource_list(PLACEHOLDER + CONFIGMAP + "    mode: slow\n"),
         [], exit_code=0, check=_unowned_deep_duplicate_kept,
         answer="exit 0: below metadata, objects the function does not read are not checked "
                "(that would cost a walk of every node); they pass through as written and "
                "kubectl/kustomize report the duplicate"),
    # --- the function config ------------------------------------------------------------------------
    Case("config-wrong-kind",
         lambda: resource_list(config="functionConfig:\n  apiVersion: v1\n  kind: Secret\n"
                               "  metadata: {name: x}\n"),
         ["functionConfig", "must be secret-sync.dev/v1alpha1 SecretSync or a v1 ConfigMap",
          "not v1 Secret"],
         answer="exit 1: `functionConfig must be secret-sync.dev/v1alpha1 SecretSync or a v1 "
                "ConfigMap, not <apiVersion> <kind>`"),
    Case("config-not-a-mapping", lambda: resource_list(config="functionConfig: [a, b]\n"),
         ["functionConfig", "must be a mapping"], answer="exit 1: `must be a mapping`"),
    Case("config-unknown-field", lambda: resource_list(config=CONFIG + "    defaultstor: aws\n"),
         ["functionConfig spec.defaultstor", "Extra inputs are not permitted"],
         answer="exit 1: `functionConfig spec.<field>: Extra inputs are not permitted`"),
    Case("config-unknown-field-configmap",
         lambda: resource_list(config="functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n"
                               "  metadata: {name: x}\n  data:\n    defaultStore: aws\n"
                               "    refreshIntervall: 1h\n"),
         ["data.refreshIntervall", "unknown key"],
         answer="exit 1: `functionConfig data.<key>: unknown key (allowed: ...)`"),
    Case("config-wrong-type",
         lambda: resource_list(config=CONFIG + "    naming: [hash]\n    kes: {enabled: maybe}\n"),
         ["functionConfig spec.naming", "functionConfig spec.kes.enabled"],
         answer="exit 1: one line per wrong field: `functionConfig <path>: <what it must be>`"),
    Case("config-bad-store-kind",
         lambda: resource_list(config=CONFIG + "    - name: vault\n      kind: Vault\n"),
         ["functionConfig spec.stores[1].kind"], answer="exit 1: same"),
    Case("unknown-store-annotation",
         lambda: resource_list(PLACEHOLDER.replace(
             "      secret-sync.dev/remote-key: prod/app/db\n",
             "      secret-sync.dev/remote-key: prod/app/db\n      secret-sync.dev/store: nope\n")),
         ["Secret shop/app-db", "field metadata.annotations[secret-sync.dev/store]",
          "unknown store 'nope'", "stores in the config: aws"],
         answer="exit 1: `Secret ns/name: field metadata.annotations[secret-sync.dev/store]: "
                "unknown store 'x' (stores in the config: ...)`"),
    Case("unknown-default-store",
         lambda: resource_list(config=CONFIG.replace("defaultStore: aws", "defaultStore: gcp")),
         ["spec.defaultStore", "'gcp'"],
         answer="exit 1: `spec.defaultStore: no store named 'x' in spec.stores`"),
    Case("invalid-duration",
         lambda: resource_list(config=CONFIG + "    refresh: {interval: 5 minutes}\n"),
         ["functionConfig spec.refresh.interval", "is not a duration"],
         answer="exit 1: `functionConfig spec.refresh.interval: '<value>' is not a duration "
                "(use Go form such as 1h, 15m, 30s, or 0)`"),
    Case("invalid-duration-unit",
         lambda: resource_list(config=CONFIG + "    refresh: {interval: 1d}\n"),
         ["functionConfig spec.refresh.interval", "is not a duration"], answer="exit 1: same"),
    # --- names ----------------------------------------------------------------------------------------
    Case("name-overflow-after-hash",
         lambda: resource_list(PLACEHOLDER.replace("name: app-db", "name: " + "a" * 250)),
         ["field metadata.name", "hash naming", "characters long", "at most 253"],
         answer="exit 1: `Secret ns/name: field metadata.name: generated name '...' (hash naming) "
                "is N characters long; Kubernetes allows at most 253`"),
    Case("name-overflow-after-suffix",
         lambda: resource_list(PLACEHOLDER.replace("name: app-db", "name: " + "b" * 251),
                               CONFIG + "    naming: {strategy: suffix}\n"),
         ["field metadata.name", "suffix naming", "at most 253"], answer="exit 1: same"),
    Case("name-invalid-after-suffix",
         lambda: resource_list(PLACEHOLDER, CONFIG + "    naming: {strategy: suffix, suffix: _ESO}\n"),
         ["field metadata.name", "not a valid Kubernetes name"],
         answer="exit 1: `... is not a valid Kubernetes name (...)`"),
    Case("generated-names-collide",
         lambda: resource_list(
             PLACEHOLDER + PLACEHOLDER.replace("name: app-db", "name: app-db-eso").replace(
                 "      secret-sync.dev/remote-key: prod/app/db\n",
                 "      secret-sync.dev/remote-key: prod/app/db\n      secret-sync.dev/naming: keep\n"),
             CONFIG + "    naming: {strategy: suffix}\n"),
         ["Secret shop/app-db-eso", "generated name 'app-db-eso' collides",
          "generated for Secret shop/app-db"],
         answer="exit 1: `generated name 'x' collides with the one generated for <Kind ns/name>`"),
    Case("generated-name-collides-with-input",
         lambda: resource_list(
             PLACEHOLDER + "- apiVersion: external-secrets.io/v1\n  kind: ExternalSecret\n"
             "  metadata: {name: app-db-eso, namespace: shop}\n  spec: {}\n",
             CONFIG + "    naming: {strategy: suffix}\n"),
         ["ExternalSecret shop/app-db-eso", "collides with an object of the same name in the input"],
         answer="exit 1: `generated ExternalSecret 'x' collides with an object of the same name in "
                "the input that secret-sync did not generate`"),
    Case("generated-name-collides-with-input-secret",
         lambda: resource_list(
             PLACEHOLDER + "- apiVersion: v1\n  kind: Secret\n"
             "  metadata: {name: app-db-eso, namespace: shop}\n  type: Opaque\n",
             CONFIG + "    naming: {strategy: suffix}\n"),
         ["Secret shop/app-db", "app-db-eso", "collides"],
         answer="exit 1: the target Secret the ExternalSecret would create already is an object "
                "of the input (ESO and the user's manifest would fight over it)"),
    Case("reference-to-namespace-not-in-input",
         lambda: resource_list(PLACEHOLDER + WEB_DEPLOYMENT
                               + WEB_DEPLOYMENT.replace("namespace: shop", "namespace: ghost")),
         [], exit_code=0, check=_other_namespace_untouched,
         answer="exit 0: a reference in a namespace without that placeholder names another "
                "Secret and stays as it is"),
    # --- ordinary mistakes (issue 13) ---------------------------------------------------------------
    Case("provider-unknown-field",
         lambda: resource_list(config=CONFIG.replace("region: eu-west-1}", "region: eu-west-1, "
                                                     "additionalRole: [arn:aws:iam::1:role/r]}")),
         ["functionConfig spec.stores[0].provider.aws.additionalRole", "did you mean 'additionalRoles'"],
         answer="exit 1: `functionConfig spec.stores[i].provider.aws.additionalRole: unknown field "
                "'additionalRole' in ESO 2.9; did you mean 'additionalRoles'?; the API server would "
                "silently drop it` (every field checked against a table generated from the ESO CRDs)"),
    Case("provider-wrong-type",
         lambda: resource_list(config=CONFIG.replace("region: eu-west-1", "region: 5")),
         ["spec.stores[0].provider.aws.region: must be a string, not integer"],
         answer="exit 1: `... provider.aws.region: must be a string, not integer`"),
    Case("kes-backend-unknown-field",
         lambda: resource_list(config=CONFIG + "    kes:\n      backends:\n"
                               "        vault: {vault: {sever: https://v}}\n"),
         ["spec.kes.backends.vault.vault.sever", "did you mean 'server'"],
         answer="exit 1: the same check for `spec.kes.backends.*` fragments"),
    Case("own-annotation-typo",
         lambda: resource_list(placeholder_text(annotations="      secret-sync.dev/stroe: vault-team\n")
                               + WEB_DEPLOYMENT),
         ["warning: Secret shop/app-db: field metadata.annotations[secret-sync.dev/stroe]"],
         exit_code=0, check=_typo_warned,
         answer="exit 0 with a warning: `unknown annotation 'secret-sync.dev/stroe' is ignored; did you "
                "mean 'secret-sync.dev/store'?` (any object)"),
    Case("validate-namespaced-cluster-store",
         lambda: resource_list(RENAMED_STORE, VALIDATE_CONFIG),
         ["ClusterSecretStore shop/prod-aws: field metadata.namespace", "cluster-scoped",
          "kustomize/eso-kinds"],
         answer="exit 1 (validate mode): a ClusterSecretStore with a namespace (an overlay's "
                "`namespace:` over a base that declares the function), naming the fix"),
    Case("validate-dangling-store-reference",
         lambda: resource_list(GENERATED_ES + RENAMED_STORE.replace("    namespace: shop\n", ""),
                               VALIDATE_CONFIG),
         ["ExternalSecret shop/prod-app-db: field spec.secretStoreRef.name: ClusterSecretStore 'aws' "
          "was renamed to 'prod-aws' in this build"],
         answer="exit 1 (validate mode): a secret-sync ExternalSecret still names a store an overlay "
                "renamed, and kustomize will not fix the reference (it does not know ESO kinds); a "
                "store simply absent from the output is a warning (it may exist in the cluster)"),
]


def _param(case: Case) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=case.known_bug)] if case.known_bug else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_hostile_input(case: Case) -> None:
    res = run_fn(case.stdin(), env=case.env, timeout=TIME_LIMIT * 4)
    # run_fn decodes strictly: stdout and stderr are UTF-8 even for garbage input
    stderr, stdout = res.stderr, res.stdout

    assert res.returncode == case.exit_code, stderr
    assert "Traceback" not in stderr
    assert "internal error" not in stderr
    assert "ERROR:" not in stderr, "a C++ diagnostic from ryml leaked onto stderr"
    assert res.seconds < TIME_LIMIT, f"took {res.seconds:.1f} s"
    for fragment in case.stderr:
        assert fragment in stderr, f"{fragment!r} not in stderr:\n{stderr[:2000]}"
    assert MARKER not in stderr and MARKER not in stdout

    out = yaml.safe_load(stdout)
    assert out["kind"] == "ResourceList"
    if case.exit_code != 0:
        assert out["items"] == [], "a failed run must not print items"
        errors = [r for r in out["results"] if r["severity"] == "error"]
        assert errors
        # every stderr line is one error result: kpt users see the same messages
        lines = [ln for ln in stderr.splitlines() if ln.startswith("secret-sync: error: ")]
        assert len(lines) == len(errors)
        assert all(r["message"] in stderr for r in errors)
    else:
        assert not [r for r in out.get("results") or [] if r["severity"] == "error"]
        assert case.check is not None
        case.check(out, stdout)


def test_every_row_has_an_answer_and_the_table_lists_it() -> None:
    from conftest import REPO

    table = (REPO / "docs" / "reliability.md").read_text()
    for case in CASES:
        assert case.answer, case.id
        assert f"`{case.id}`" in table, f"docs/reliability.md's hostile-input table has no row for {case.id}"
    coverage_note("hostile input", f"{len(CASES)} cases")


def test_debug_shows_traceback_for_internal_errors_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """SECRET_SYNC_DEBUG=1 does not turn a handled input error into a traceback."""
    res = run_fn(resource_list(PLACEHOLDER + "  extra:\n" + billion_laughs(4)),
                 env={"SECRET_SYNC_DEBUG": "1"}, timeout=TIME_LIMIT * 4)
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert "alias bomb" in res.stderr
