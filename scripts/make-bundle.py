"""Assemble the relocatable secret-sync bundle (run inside the image build by the base's python3).

    python3 make-bundle.py ROOT SCRIPTS_DIR

ROOT/app must already hold secret-sync and its dependencies (`pip install --target ROOT/app`).
The bundle is what the image runs and what an Argo CD init container copies into the repo-server,
whose image has no Python. It holds everything above the C library:

    ROOT/bin/secret-sync          POSIX sh launcher (finds ROOT from its own path or $SECRET_SYNC_HOME)
    ROOT/bin/python3              this interpreter, copied
    ROOT/lib/pythonX.Y/           its standard library (without tests, IDLE, tkinter, ensurepip)
    ROOT/lib/so/                  every shared library that the interpreter, the stdlib extension
                                  modules and the wheels need, except glibc itself
    ROOT/app/                     secret-sync and its dependencies, plus the boot file
    ROOT/bin/argocd-cmp-generate  Argo CD CMP generate command
    ROOT/libexec/docker-shim/docker
    ROOT/BUNDLE-INFO              Python version, target machine and the oldest glibc that works

What the host must still provide: Linux on the same machine architecture, glibc at least the
version in BUNDLE-INFO, and /bin/sh. Argo CD's repo-server image (Ubuntu) has all three.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

# glibc's own libraries come from the host: they must match its dynamic loader.
GLIBC = re.compile(
    r"^(ld-linux.*|linux-vdso.*|linux-gate.*|lib(c|m|dl|rt|pthread|util|resolv|nsl|anl|"
    r"BrokenLocale|mvec|thread_db|nss_\w+)\.so(\.\d+)*)$"
)
STDLIB_SKIP = {
    "site-packages", "dist-packages", "test", "idlelib", "tkinter", "turtledemo", "ensurepip",
    "lib2to3", "pydoc_data", "__phello__", "sitecustomize.py", "EXTERNALLY-MANAGED",
}

LAUNCHER = """\
#!/bin/sh
# secret-sync launcher for the relocatable bundle (see BUNDLE-INFO next to bin/).
# The bundle root is $SECRET_SYNC_HOME, else the directory above this file, else /opt/secret-sync
# (for a launcher mounted on its own, e.g. at /usr/local/bin/secret-sync).
if [ -n "${SECRET_SYNC_HOME:-}" ]; then
  root=$SECRET_SYNC_HOME
else
  case $0 in
    */*) self=$0 ;;
    *) self=$(command -v -- "$0") ;;
  esac
  root=$(CDPATH='' cd -- "$(dirname -- "$self")/.." 2>/dev/null && pwd -P) || root=
  [ -f "$root/app/secret_sync_boot.py" ] || root=/opt/secret-sync
fi
if [ ! -x "$root/bin/python3" ]; then
  echo "secret-sync: bundle not found at $root (set SECRET_SYNC_HOME)" >&2
  exit 1
fi
LD_LIBRARY_PATH="$root/lib/so${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \\
  exec "$root/bin/python3" -I -S -B -X utf8 "$root/app/secret_sync_boot.py" "$@"
"""

BOOT = """\
# Entry point of the bundle: -I -S keep the host's PYTHON* variables and site dirs out.
import os
import site
import sys

site.addsitedir(os.path.dirname(os.path.realpath(__file__)))
from krm_fn.cli import entry  # noqa: E402

entry()
"""


# Extension modules a KRM function never uses; leaving them out also leaves out the libraries
# they pull in (Kerberos and RPC for nis, Berkeley DB, readline, ncurses, Tk).
DYNLOAD_SKIP = re.compile(r"^(nis|_dbm|_gdbm|readline|_curses|_curses_panel|_tkinter)\.")


def copy_stdlib(src: Path, dst: Path) -> None:
    for entry in sorted(src.iterdir()):
        if entry.name in STDLIB_SKIP or entry.name.startswith("config-"):
            continue
        target = dst / entry.name
        if entry.is_dir():
            shutil.copytree(entry, target, symlinks=False, ignore_dangling_symlinks=True,
                            ignore=ignore_in_stdlib)
        elif entry.exists():  # dereferences symlinks; skips dangling ones
            shutil.copy2(entry, target)


def ignore_in_stdlib(directory: str, names: list[str]) -> set[str]:
    skip = {n for n in names if n in ("test", "tests", "idle_test")}
    if os.path.basename(directory) == "lib-dynload":
        skip |= {n for n in names if DYNLOAD_SKIP.match(n)}
    return skip


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def needed_libs(elf: Path) -> dict[str, Path]:
    """Shared libraries ldd resolves for elf, by soname; glibc's excluded."""
    out = subprocess.run(["ldd", str(elf)], capture_output=True, text=True).stdout
    libs: dict[str, Path] = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\S+)\s+=>\s+(/\S+)", line)
        if m and not GLIBC.match(m.group(1)):
            libs[m.group(1)] = Path(m.group(2))
    return libs


def main() -> int:
    root, scripts = Path(sys.argv[1]), Path(sys.argv[2])
    app = root / "app"
    if not (app / "krm_fn").is_dir():
        print(f"make-bundle: {app}/krm_fn missing: pip install --target {app} first",
              file=sys.stderr)
        return 1
    ver = f"{sys.version_info[0]}.{sys.version_info[1]}"
    (root / "bin").mkdir(parents=True, exist_ok=True)
    (root / "lib" / "so").mkdir(parents=True, exist_ok=True)
    (root / "libexec" / "docker-shim").mkdir(parents=True, exist_ok=True)

    # Interpreter and standard library (lib-dynload included).
    shutil.copy2(os.path.realpath(sys.executable), root / "bin" / "python3")
    stdlib_dst = root / "lib" / f"python{ver}"
    stdlib_dst.mkdir(parents=True, exist_ok=True)
    copy_stdlib(Path(sysconfig.get_path("stdlib")), stdlib_dst)
    dynload = Path(sysconfig.get_config_var("DESTSHARED") or "")
    if dynload.is_dir() and not (stdlib_dst / "lib-dynload").is_dir():
        shutil.copytree(dynload, stdlib_dst / "lib-dynload", ignore=ignore_in_stdlib)

    # Shared libraries (closure over everything that ldd resolves, glibc excluded).
    elves = [p for p in root.rglob("*") if p.is_file() and not p.is_symlink() and is_elf(p)]
    copied: dict[str, Path] = {}
    todo = list(elves)
    while todo:
        for soname, path in needed_libs(todo.pop()).items():
            if soname in copied or path.resolve().is_relative_to(root.resolve()):
                continue
            dst = root / "lib" / "so" / soname
            shutil.copy2(path.resolve(), dst)
            copied[soname] = dst
            todo.append(dst)

    # Launcher, boot file, Argo CD helpers.
    launcher = root / "bin" / "secret-sync"
    launcher.write_text(LAUNCHER)
    (app / "secret_sync_boot.py").write_text(BOOT)
    shutil.copy2(scripts / "argocd-cmp-generate", root / "bin" / "argocd-cmp-generate")
    shutil.copy2(scripts / "docker-shim" / "docker", root / "libexec" / "docker-shim" / "docker")
    for p in (launcher, root / "bin" / "argocd-cmp-generate",
              root / "libexec" / "docker-shim" / "docker"):
        p.chmod(0o755)

    # Bytecode that stays valid when the bundle is copied without timestamps (an init container's
    # `cp -R`): unchecked-hash .pyc files are used without comparing them with the source's mtime.
    # The bundle is never edited in place, so that check buys nothing.
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-f", "-j", "0",
                    "--invalidation-mode", "unchecked-hash", str(stdlib_dst), str(app)],
                   check=True, stdout=subprocess.DEVNULL)

    # The oldest glibc that can load every ELF file in the bundle.
    versions = set()
    for p in root.rglob("*"):
        if p.is_file() and is_elf(p):
            versions.update(re.findall(rb"GLIBC_(2\.\d+)", p.read_bytes()))
    glibc = max((tuple(int(x) for x in v.split(b".")) for v in versions), default=(2, 17))
    import importlib.metadata as md
    md_version = next(md.distributions(path=[str(app)], name="secret-sync")).version
    info = (
        f"secret-sync {md_version}\n"
        f"python {platform.python_version()}\n"
        f"machine {platform.machine()}\n"
        f"glibc >= {glibc[0]}.{glibc[1]}\n"
        f"bundled shared libraries: {' '.join(sorted(copied)) or 'none'}\n"
    )
    (root / "BUNDLE-INFO").write_text(info)
    for p in root.rglob("*"):  # readable by every user (kustomize runs the image as nobody)
        mode = p.lstat().st_mode
        if not p.is_symlink():
            p.chmod(mode | 0o444 | (0o111 if p.is_dir() or mode & 0o100 else 0))
    sys.stdout.write(info)
    return 0


if __name__ == "__main__":
    sys.exit(main())
