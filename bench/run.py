"""End-to-end benchmark of the secret-sync KRM function against baselines measured in the same run.

    .venv/bin/python bench/run.py              # 15/15/5/3/3 runs: smallest, 50/1,000/10,000 items, platform
    .venv/bin/python bench/run.py --quick      # 5/5/3/1/1 runs
    .venv/bin/python bench/run.py --importtime # top imports of the smallest run, then exit

Every measurement is one whole process (stdin from a file, stdout to /dev/null), started by a fresh
small wrapper that times fork+exec+wait and reports the child's own ru_maxrss from os.wait4, so
each run is measured on its own. Results go to stdout (table) and bench/out/latest.json. The exit
status is 0 whether or not targets are met; it is 1 only when the function (or a baseline) fails
on the generated input.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen  # sibling module, not a package

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent
SIZES = (50, 1_000, 10_000)
PYYAML_SNIPPET = (
    "import sys, yaml\n"
    "d = yaml.load(sys.stdin.buffer.read(), Loader=yaml.CSafeLoader)\n"
    "sys.stdout.write(yaml.dump(d, Dumper=yaml.CSafeDumper))\n"
)
# Each measurement runs in a fresh, small wrapper process that forks and execs the command.
# ru_maxrss of a child counts the memory of the process image it replaced at exec: spawned straight
# from this script (which holds the generated inputs) every child would report this script's size.
WRAPPER = """
import os, sys, time
report, argv = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(argv[0], argv)
    except OSError as exc:
        os.write(2, f"bench: cannot run {argv[0]}: {exc}\\n".encode())
    os._exit(127)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - start
with open(report, "w") as f:
    cpu = usage.ru_utime + usage.ru_stime
    f.write(f"{seconds} {cpu} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""
CLI_SNIPPET = "import sys\nfrom krm_fn.cli import main\nsys.exit(main())\n"
TARGETS = {  # name: (limit, description); issue 12's targets, then issue 5's RSS one still kept
    "smallest_vs_python": (2.5, "smallest input: function / (c) python -c pass"),
    "small_50_vs_kustomize": (0.5, "50 items: function / (b) kubectl kustomize"),
    "e2e_10k_vs_pyyaml": (0.2, "10k items: function / (a) PyYAML-C"),
    "scaling_10k_over_1k": (10.5, "time(10k) / time(1k)"),
    "rss_platform_vs_input": (10.0, "peak RSS platform: function / input bytes"),
    "rss_platform_vs_pyyaml": (1.2, "peak RSS platform: function / (a)"),
    "rss_10k_vs_pyyaml": (1.5, "peak RSS 10k: function / (a) (issue 5)"),
}
SMALLEST, PLATFORM = "smallest", "platform"  # the two named inputs beside the sized ones


class CommandFailed(Exception):
    """A measured command (the function or a baseline) exited non-zero: no figures."""


@dataclass
class Sample:
    seconds: float  # wall
    cpu_seconds: float  # user + system: less sensitive than wall time to other load on the machine
    max_rss_kb: int


@dataclass
class Series:
    name: str
    samples: list[Sample] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu_seconds for s in self.samples)

    @property
    def fastest(self) -> float:
        return min(s.seconds for s in self.samples)

    @property
    def rss_kb(self) -> int:
        return max(s.max_rss_kb for s in self.samples)

    @property
    def spread(self) -> float:
        """Slowest / fastest sample: above ~1.5 the machine was busy during the run."""
        times = [s.seconds for s in self.samples]
        return max(times) / min(times)

    def summary(self) -> dict[str, Any]:
        return {
            "median_s": self.median,
            "min_s": self.fastest,
            "median_cpu_s": self.cpu,
            "max_rss_kb": self.rss_kb,
            "samples": [asdict(s) for s in self.samples],
        }


Results = dict[int, tuple[Series, Series]]  # items -> (function, baseline a)


@dataclass
class Named:
    """The named inputs: the smallest run (beside python -c pass) and the platform input (beside (a))."""

    smallest: Series | None = None
    platform: tuple[Series, Series] | None = None


def run_once(cmd: list[str], stdin: Path) -> tuple[Sample, int, bytes]:
    """Run cmd once under WRAPPER; return its time, its own peak RSS, exit code and stderr."""
    with (
        open(stdin, "rb") as fin,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r", suffix=".txt") as report,
    ):
        wrapper = [sys.executable, "-I", "-S", "-c", WRAPPER, report.name, *cmd]
        subprocess.run(wrapper, stdin=fin, stdout=subprocess.DEVNULL, stderr=err, check=False)
        err.seek(0)
        seconds, cpu, rss, code = report.read().split()
        return Sample(float(seconds), float(cpu), int(rss)), int(code), err.read()


def measure(series: list[tuple[Series, list[str], Path]], repeats: int, warmup: int = 0) -> None:
    """Interleave the commands (a, b, a, b, ...) so drift hits all of them alike.

    The first `warmup` rounds are run but not recorded (cold page and bytecode caches).
    """
    for rnd in range(warmup + repeats):
        for s, cmd, stdin in series:
            sample, code, err = run_once(cmd, stdin)
            if code != 0:
                raise CommandFailed(f"{s.name} exited {code}:\n{err.decode(errors='replace')}")
            if rnd >= warmup:
                s.samples.append(sample)


def function_cmd() -> list[str]:
    exe = BIN / "secret-sync"
    return [str(exe)] if exe.exists() else [shutil.which("secret-sync") or "secret-sync"]


def kubectl() -> str | None:
    exe = BIN / "kubectl"
    return str(exe) if exe.exists() else shutil.which("kubectl")


def write_input(n: int | str, seed: int) -> tuple[Path, dict[str, Any]]:
    """The input for a size (a generated list of n items) or a named one (SMALLEST, PLATFORM)."""
    rl = gen.smallest() if n == SMALLEST else gen.platform(seed) if n == PLATFORM else gen.generate(int(n), seed)
    stats: dict[str, Any] = dict(gen.check(rl))
    path = OUT / f"input-{n}.yaml"
    text = gen.dump(rl, literal_blocks=n == PLATFORM)
    path.write_text(text)
    stats["bytes"] = len(text.encode())
    stats["sha256"] = hashlib.sha256(text.encode()).hexdigest()
    return path, stats


def kustomize_dir(input_path: Path) -> Path:
    """The items of a ResourceList as resource files + kustomization.yaml, without the function."""
    rl = yaml.load(input_path.read_bytes(), Loader=yaml.CSafeLoader)
    d = Path(tempfile.mkdtemp(prefix="secret-sync-bench-"))
    names = []
    for i, obj in enumerate(rl["items"]):
        notes = obj["metadata"].get("annotations", {})
        for k in [k for k in notes if k.startswith(("config.kubernetes.io/", "internal."))]:
            del notes[k]
        names.append(f"r{i:05d}.yaml")
        (d / names[-1]).write_text(yaml.dump(obj, Dumper=yaml.CSafeDumper, sort_keys=False))
    (d / "kustomization.yaml").write_text(yaml.safe_dump({"resources": names}))
    return d


def check_output(input_path: Path, stats: dict[str, Any]) -> list[str]:
    """One captured run: exit code must be 0; return warnings if the output looks untransformed."""
    with open(input_path, "rb") as fin:
        proc = subprocess.run(function_cmd(), stdin=fin, capture_output=True, check=False)
    if proc.returncode != 0:
        raise CommandFailed(
            f"secret-sync exited {proc.returncode} on {input_path.name}:\n" + proc.stderr.decode(errors="replace")
        )
    try:
        out = yaml.load(proc.stdout, Loader=yaml.CSafeLoader) or {}
    except yaml.YAMLError as exc:
        return [f"{input_path.name}: output is not YAML ({exc.__class__.__name__})"]
    items = out.get("items") if isinstance(out, dict) else None
    if not isinstance(items, list):
        return [f"{input_path.name}: no ResourceList on stdout ({len(proc.stdout)} bytes)"]
    return output_warnings(input_path.name, items, stats)


def target_of(es: dict[str, Any]) -> tuple[str | None, str]:
    """(namespace, name) of the Secret an ExternalSecret writes; target.name defaults to its own."""
    target = (es.get("spec") or {}).get("target") or {}
    return es["metadata"].get("namespace"), target.get("name") or es["metadata"]["name"]


def output_warnings(name: str, items: list[Any], stats: dict[str, Any]) -> list[str]:
    """Placeholders all replaced, and every workload reference names an ExternalSecret target."""
    objs = [o for o in items if isinstance(o, dict) and isinstance(o.get("metadata"), dict)]
    kinds = Counter(o.get("kind") for o in objs)
    targets = {target_of(o) for o in objs if o.get("kind") == "ExternalSecret"}
    left = sum(1 for o in objs if gen.is_placeholder(o))
    dangling = sum(
        1
        for o in objs
        for ps in gen.pod_specs(o)
        for ref in gen.secret_refs(ps)
        if ref != gen.EXTERNAL_SECRET and (o["metadata"].get("namespace"), ref) not in targets
    )
    warnings = []
    if kinds["ExternalSecret"] != stats["placeholders"]:
        warnings.append(f"{name}: {kinds['ExternalSecret']} ExternalSecrets for {stats['placeholders']} placeholders")
    if left:
        warnings.append(f"{name}: {left} placeholders left in the output")
    if dangling:
        warnings.append(f"{name}: {dangling} references name no ExternalSecret target")
    return warnings


def repeats(args: argparse.Namespace, n: int) -> int:
    if args.repeats:
        return int(args.repeats)
    if n >= 10_000:
        return 1 if args.quick else 3
    if n >= 1_000:
        return 3 if args.quick else 5
    return 5 if args.quick else 15  # small runs are cheap and the noisiest


Job = tuple[Series, list[str], Path]


def run_named(args: argparse.Namespace, inputs: dict[int | str, Path], python_jobs: list[Job]) -> Named:
    """The smallest input in rounds with `python_jobs` ((c)); the platform input beside (a)."""
    named = Named(Series("secret-sync smallest"))
    assert named.smallest
    n = repeats(args, 50)
    print(f"  smallest: {n} rounds of {1 + len(python_jobs)} ...", file=sys.stderr, flush=True)
    measure([(named.smallest, function_cmd(), inputs[SMALLEST]), *python_jobs], n, warmup=1)
    if PLATFORM in inputs:
        fn, base = Series("secret-sync platform"), Series("pyyaml-c platform")
        pyyaml = [sys.executable, "-c", PYYAML_SNIPPET]
        n = repeats(args, 10_000)
        print(f"  platform: {n} rounds of 2 ...", file=sys.stderr, flush=True)
        measure([(fn, function_cmd(), inputs[PLATFORM]), (base, pyyaml, inputs[PLATFORM])], n)
        named.platform = fn, base
    return named


def run_sizes(args: argparse.Namespace, inputs: dict[int | str, Path], small_jobs: list[Job]) -> Results:
    """Function and (a) at each size; `small_jobs` (kubectl kustomize) join the 50-item rounds."""
    results = {}
    pyyaml = [sys.executable, "-c", PYYAML_SNIPPET]
    if 50 not in args.sizes:
        measure(small_jobs, repeats(args, 50), warmup=1)
    for n in args.sizes:
        fn, base = Series(f"secret-sync {n}"), Series(f"pyyaml-c {n}")
        jobs = [(fn, function_cmd(), inputs[n]), (base, pyyaml, inputs[n])]
        jobs += small_jobs if n == 50 else []
        print(f"  {n:>6} items: {repeats(args, n)} rounds of {len(jobs)} ...", file=sys.stderr, flush=True)
        measure(jobs, repeats(args, n), warmup=1 if n < 10_000 else 0)
        results[n] = (fn, base)
    return results


def fixed_baselines(
    small: Path, smallest: Path, kdir: Path | None
) -> tuple[dict[str, Series | None], list[Job], list[Job]]:
    """(b) kubectl kustomize of the 50 items without the function; (c) a bare interpreter.

    (c) runs the interpreter secret-sync runs on; `-S` skips site (.pth hooks such as an editable
    install's finder), which shows what site-packages costs at start-up. Returns the series, the
    jobs that join the 50-item rounds (b) and those that join the smallest input's rounds (c).
    """
    bare, nosite = Series("python -c pass"), Series("python -S -c pass")
    python = [
        (bare, [sys.executable, "-c", "pass"], smallest),
        (nosite, [sys.executable, "-S", "-c", "pass"], smallest),
    ]
    exe = kubectl()
    kust = Series("kubectl kustomize 50") if exe and kdir else None
    jobs = [(kust, [exe, "kustomize", str(kdir)], small)] if kust and exe and kdir else []
    return {"kustomize": kust, "python": bare, "python_nosite": nosite}, jobs, python


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


# How a series is summed up for the target ratios: the figure (median wall time) first, then
# two readings that hold up better on a busy machine.
STATS: dict[str, Callable[[Series], float]] = {
    "median": lambda s: s.median,
    "cpu": lambda s: s.cpu,  # median user+system time
    "fastest": lambda s: s.fastest,  # best wall time
}
Ratios = dict[str, float | None]


def targets(
    sizes: Results, named: Named, fixed: dict[str, Series | None], stat: str = "median", platform_bytes: int = 0
) -> Ratios:
    """The target ratios; time ratios use STATS[stat], peak RSS is the same for all."""

    def t(s: Series | None) -> float | None:
        return None if s is None else STATS[stat](s)

    def at(n: int, which: int) -> Series | None:
        return sizes[n][which] if n in sizes else None

    rss = ratio(sizes[10_000][0].rss_kb, sizes[10_000][1].rss_kb) if 10_000 in sizes else None
    fn, base = named.platform or (None, None)
    return {
        "smallest_vs_python": ratio(t(named.smallest), t(fixed["python"])),
        "small_50_vs_kustomize": ratio(t(at(50, 0)), t(fixed["kustomize"])),
        "e2e_10k_vs_pyyaml": ratio(t(at(10_000, 0)), t(at(10_000, 1))),
        "scaling_10k_over_1k": ratio(t(at(10_000, 0)), t(at(1_000, 0))),
        "rss_platform_vs_input": ratio(fn.rss_kb * 1024, platform_bytes) if fn else None,
        "rss_platform_vs_pyyaml": ratio(fn.rss_kb, base.rss_kb) if fn and base else None,
        "rss_10k_vs_pyyaml": rss,
    }


def verdict(key: str, got: dict[str, Ratios], limit: float) -> dict[str, Any]:
    value = got["median"][key]
    passed = None if value is None else value <= limit
    return {"value": value, "limit": limit, "pass": passed, "by": {k: r[key] for k, r in got.items()}}


def fmt_ms(s: float) -> str:
    return f"{s * 1000:9.1f} ms" if s < 10 else f"{s:9.2f} s "


def fmt_x(x: float | None) -> str:
    return f"{x:6.2f}x" if x is not None else "   n/a "


def print_table(
    sizes: Results,
    named: Named,
    fixed: dict[str, Series | None],
    got: dict[str, Ratios],
    inputs: dict[int | str, dict[str, Any]],
    bytecode: str,
) -> None:
    print(
        f"{'items':>6} {'MB':>6} {'function':>12} {'(a) PyYAML-C':>12} {'ratio':>7} {'by cpu':>7}"
        f" {'fn RSS':>8} {'(a) RSS':>8}"
    )
    for n, (fn, base) in sizes.items():
        print(
            f"{n:>6} {inputs[n]['bytes'] / 1e6:6.2f} {fmt_ms(fn.median)} {fmt_ms(base.median)}"
            f" {fmt_x(ratio(fn.median, base.median))} {fmt_x(ratio(fn.cpu, base.cpu))}"
            f" {fn.rss_kb / 1024:6.1f}MB {base.rss_kb / 1024:6.1f}MB"
        )
    if named.platform:
        fn, base = named.platform
        print(
            f"{PLATFORM} {inputs[PLATFORM]['bytes'] / 1e6:4.2f} {fmt_ms(fn.median)} {fmt_ms(base.median)}"
            f" {fmt_x(ratio(fn.median, base.median))} {fmt_x(ratio(fn.cpu, base.cpu))}"
            f" {fn.rss_kb / 1024:6.1f}MB {base.rss_kb / 1024:6.1f}MB"
        )
    if named.smallest:
        s = named.smallest
        print(f"{'smallest input (2 items):':<33}{fmt_ms(s.median)}  RSS {s.rss_kb / 1024:.1f}MB")
    labels = {
        "kustomize": "(b) kubectl kustomize, 50 items:",
        "python": "(c) python -c pass:",
        "python_nosite": "    python -S -c pass:",
    }
    for key, label in labels.items():
        s = fixed[key]
        print(f"{label:<33}{fmt_ms(s.median) if s else '      n/a'}")
    if 1_000 in sizes and 10_000 in sizes:
        own = ratio(sizes[10_000][1].median, sizes[1_000][1].median)
        own_cpu = ratio(sizes[10_000][1].cpu, sizes[1_000][1].cpu)
        print(
            f"scaling 1k -> 10k: function {fmt_x(got['median']['scaling_10k_over_1k'])}"
            f" (cpu {fmt_x(got['cpu']['scaling_10k_over_1k']).strip()}),"
            f" (a) PyYAML-C {fmt_x(own)} (cpu {fmt_x(own_cpu).strip()})"
        )
    print_noise([
        *(s for pair in sizes.values() for s in pair),
        *filter(None, [named.smallest, *(named.platform or ())]),
        *filter(None, fixed.values()),
    ])
    print(f"bytecode: {bytecode}")
    print()
    for key, (limit, text) in TARGETS.items():
        value = got["median"][key]
        mark = "n/a" if value is None else "PASS" if value <= limit else "FAIL"
        other = "" if key.startswith("rss") else f"cpu {fmt_x(got['cpu'][key])}  fastest {fmt_x(got['fastest'][key])}"
        limit_text = f"(<= {limit:g}x)"
        print(f"  {mark:<4}  {text:<48} {fmt_x(value)}  {limit_text:<10}  {other}".rstrip())


def print_noise(series: list[Series]) -> None:
    noisy = [f"{s.name} {s.spread:.1f}x" for s in series if len(s.samples) > 1 and s.spread > 1.5]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    if noisy:
        print(f"noisy (slowest/fastest sample): {'; '.join(noisy)}; load average {load}")


def importtime(args: argparse.Namespace) -> int:
    """`python -X importtime` of the smallest run: its top 15 imports and the total, so the next
    regression in start-up shows in the bench output."""
    smallest, _ = write_input(SMALLEST, args.seed)
    cmd = [sys.executable, "-X", "importtime", "-c", CLI_SNIPPET]
    run_once(cmd, smallest)  # fill the bytecode cache
    _, code, err = run_once(cmd, smallest)
    rows = []
    for line in err.decode(errors="replace").splitlines():
        if line.startswith("import time:") and "|" in line and "cumulative" not in line:
            self_us, cum_us, name = line[len("import time:") :].split("|", 2)
            rows.append((int(cum_us), int(self_us), name.rstrip()))
    (OUT / "importtime.txt").write_bytes(err)
    print(f"python -X importtime, secret-sync on the smallest input (exit {code}); top 15 cumulative:")
    print(f"{'cumul ms':>9} {'self ms':>8}  module")
    for cum, own, name in sorted(rows, reverse=True)[:15]:
        print(f"{cum / 1000:9.1f} {own / 1000:8.1f}  {name}")
    total = sum(cum for cum, _, name in rows if not name.startswith("  "))
    print(f"all {len(rows)} imports: {total / 1000:.1f} ms; log in {OUT.relative_to(ROOT)}/importtime.txt")
    return 0


def use_bytecode_cache(enabled: bool) -> str:
    """Let measured Python processes reuse compiled bytecode, as an installed package does.

    With PYTHONDONTWRITEBYTECODE=1 (set on this machine) modules that ship without .pyc files, such
    as an editable install, are compiled from source on every start: tens of ms no installed wheel
    pays (pip compiles at install). The cache lives in bench/out/pycache, not in the source tree,
    and is filled by the warm-up runs. Children inherit os.environ.
    """
    if not enabled:
        return f"as inherited (PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')})"
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(OUT / "pycache")
    return f"cached in {(OUT / 'pycache').relative_to(ROOT)}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="5/5/3/1/1 runs instead of 15/15/5/3/3")
    p.add_argument("--repeats", type=int, help="runs per size (overrides the defaults)")
    p.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--no-platform", action="store_true", help="skip the 9 MB platform input (RSS targets)")
    p.add_argument("--importtime", action="store_true", help="show the slowest imports and exit")
    p.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="keep the environment's bytecode settings (PYTHONDONTWRITEBYTECODE: recompile every start)",
    )
    args = p.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    args.bytecode = use_bytecode_cache(not args.no_bytecode_cache)
    if args.importtime:
        return importtime(args)
    try:
        return bench(args)
    except CommandFailed as exc:
        print(f"bench: no figures, {exc}", file=sys.stderr)
        return 1


def bench(args: argparse.Namespace) -> int:
    paths: dict[int | str, Path] = {}
    stats: dict[int | str, dict[str, Any]] = {}
    names: list[int | str] = [SMALLEST, *sorted(set(args.sizes) | {50}), *([] if args.no_platform else [PLATFORM])]
    for n in names:
        paths[n], stats[n] = write_input(n, args.seed)
    warnings = [w for n in names if n != 50 or 50 in args.sizes for w in check_output(paths[n], stats[n])]
    for w in warnings:
        print(f"WARNING: {w}", file=sys.stderr)
    kdir = kustomize_dir(paths[50]) if kubectl() else None
    try:
        fixed, small_jobs, python_jobs = fixed_baselines(paths[50], paths[SMALLEST], kdir)
        named = run_named(args, paths, python_jobs)
        sizes = run_sizes(args, paths, small_jobs)
    finally:
        if kdir:
            shutil.rmtree(kdir)
    platform_bytes = stats[PLATFORM]["bytes"] if PLATFORM in stats else 0
    got = {stat: targets(sizes, named, fixed, stat, platform_bytes) for stat in STATS}
    print_table(sizes, named, fixed, got, stats, args.bytecode)
    print()
    importtime(args)
    write_json(args, sizes, named, fixed, got, stats, warnings)
    return 0


def write_json(
    args: argparse.Namespace,
    sizes: Results,
    named: Named,
    fixed: dict[str, Series | None],
    got: dict[str, Ratios],
    stats: dict[int | str, dict[str, Any]],
    warnings: list[str],
) -> None:
    doc = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "host": {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "yaml": yaml.__version__,
            "loadavg_end": os.getloadavg(),
        },
        "seed": args.seed,
        "bytecode": args.bytecode,
        "inputs": {str(n): s for n, s in stats.items()},
        "sizes": {str(n): {"function": fn.summary(), "pyyaml_c": base.summary()} for n, (fn, base) in sizes.items()},
        SMALLEST: {"function": named.smallest.summary()} if named.smallest else None,
        PLATFORM: {"function": named.platform[0].summary(), "pyyaml_c": named.platform[1].summary()}
        if named.platform
        else None,
        "baselines": {k: s.summary() if s else None for k, s in fixed.items()},
        "targets": {k: verdict(k, got, lim) for k, (lim, _) in TARGETS.items()},
        "warnings": warnings,
    }
    path = OUT / "latest.json"
    path.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"\nwritten: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
