"""What keeps a run cheap at Argo CD scale (issue 12), as behaviour: the modules a function run
loads, the stand-ins it uses for typing.NamedTuple and hashlib, and how it ends. Speed itself is
measured by bench/, never by a timed test."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from typing import NamedTuple

import pytest
from conftest import SECRET_SYNC, run_fn

from krm_fn import hashing, records, yamlio

SMALLEST = """\
apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: Secret
  metadata:
    name: db
    namespace: app
    annotations:
      secret-sync.dev/remote-key: prod/app/db
  stringData:
    password: ""
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: app}
  spec:
    template:
      spec:
        containers:
        - name: web
          envFrom:
          - secretRef: {name: db}
functionConfig:
  apiVersion: secret-sync.dev/v1alpha1
  kind: SecretSync
  metadata: {name: secrets}
  spec:
    defaultStore: aws
    stores:
    - name: aws
      kind: ClusterSecretStore
      provider: {aws: {service: SecretsManager, region: eu-west-1}}
"""

# Heavy imports a placeholder run must not pay for (each a few ms of every start).
NOT_ON_THE_FUNCTION_PATH = ("typing", "deprecation", "packaging", "copy", "_hashlib", "contextlib",
                            "dataclasses", "pydantic", "ruamel", "jsonpatch", "datetime")


def test_a_placeholder_run_loads_none_of_the_heavy_modules(tmp_path: os.PathLike[str]) -> None:
    # a warm config cache, as in every run after the first (the first one validates with pydantic)
    env = dict(os.environ, SECRET_SYNC_CACHE_DIR=str(tmp_path))
    assert run_fn(SMALLEST, env=env).returncode == 0
    code = ("import sys; from krm_fn import cli; rc = cli.main([]); "
            f"heavy = [m for m in sys.modules if m.split('.')[0] in {NOT_ON_THE_FUNCTION_PATH!r}]; "
            "sys.stderr.write(repr(heavy)); sys.exit(rc)")
    run = subprocess.run([sys.executable, "-c", code], input=SMALLEST, capture_output=True, text=True,
                         timeout=60, env=env)
    assert run.returncode == 0, run.stderr
    assert run.stderr.endswith("[]"), run.stderr


def test_ryml_is_loaded_without_deprecation_and_other_code_still_gets_the_real_package() -> None:
    code = ("import sys; import krm_fn.yamlio; assert 'deprecation' not in sys.modules; "
            "import deprecation; assert hasattr(deprecation, '__version__'), deprecation")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("data", [b"", b"secret-sync", b"\x00" * 1000, "caf\u00e9".encode() * 999])
def test_sha256_is_hashlibs(data: bytes) -> None:
    assert hashing.sha256(data) == hashlib.sha256(data).digest()


class Typed(NamedTuple):
    a: int
    b: str | None = None
    c: tuple[int, ...] = ()


class Record(records.NamedTuple):
    a: int
    b: str | None = None
    c: tuple[int, ...] = ()

    def total(self) -> int:
        return self.a + sum(self.c)


@pytest.mark.parametrize(("args", "kwargs"), [
    ((1,), {}), ((1, "x"), {}), ((1, "x", (2, 3)), {}), ((), {"a": 1, "c": (4,)}), ((1,), {"b": "y"}),
])
def test_records_behave_like_typing_namedtuple(args: tuple[object, ...], kwargs: dict[str, object]) -> None:
    typed, record = Typed(*args, **kwargs), Record(*args, **kwargs)  # type: ignore[arg-type]
    assert tuple(record) == tuple(typed)
    assert record == typed and hash(record) == hash(typed)
    assert repr(record) == repr(typed).replace("Typed", "Record")
    assert (record.a, record.b, record.c) == (typed.a, typed.b, typed.c)
    assert record._fields == typed._fields
    assert record.total() == typed.a + sum(typed.c)
    # eval rewrites result messages with _replace; results are records
    assert tuple(record._replace(b="z")) == tuple(typed._replace(b="z"))
    assert type(record._replace(a=9)) is Record
    assert record._asdict() == typed._asdict()
    with pytest.raises(TypeError):
        record._replace(d=1)


@pytest.mark.parametrize(("args", "kwargs"), [((), {}), ((1, "x", (), 4), {}), ((1,), {"d": 2})])
def test_records_refuse_what_typing_namedtuple_refuses(args: tuple[object, ...], kwargs: dict[str, object]) -> None:
    with pytest.raises(TypeError):
        Typed(*args, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Record(*args, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "aliases"), [
    (b"a: *x\n", True),
    (b"*x : 1\n", True),
    (b"- [*x, 1]\n", True),
    (b"a: {k: *x}\n", True),
    (b"a: [1,*x]\n", True),
    (b"a:\t*x\n", True),
    (b"schedule: '*/5 * * * 1'\n", False),  # a cron schedule: a star, then a space or a slash
    (b"schedule: '0 * * * *'\n", True),  # `*'` could start an alias named `'`: a safe yes
    (b"schedule: 0 3 * * *\n", False),
    (b"glob: a*b\n", False),
    (b"a: x*\n", False),
    (b"a: b\n", False),
    (b"a: '*'\n", False),
])
def test_alias_detection(text: bytes, aliases: bool) -> None:
    # True only where YAML could start an alias; a wrong False would skip alias handling
    assert yamlio.may_have_aliases(text) is aliases


def test_a_closed_stdout_is_a_clear_error_not_a_traceback() -> None:
    rl = SMALLEST.replace("items:\n", "items:\n" + "".join(
        f"- {{apiVersion: v1, kind: ConfigMap, metadata: {{name: c{i}, namespace: app}}, data: {{k: '{'x' * 500}'}}}}\n"
        for i in range(2000)), 1)
    proc = subprocess.Popen([SECRET_SYNC], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin and proc.stdout
    proc.stdin.write(rl.encode())
    proc.stdin.close()
    proc.stdout.read(10)
    proc.stdout.close()  # the reader goes away after a few bytes, like `| head -c 10`
    err = proc.stderr.read().decode() if proc.stderr else ""
    assert proc.wait(timeout=60) == 1
    assert "cannot write the output" in err and "Traceback" not in err
