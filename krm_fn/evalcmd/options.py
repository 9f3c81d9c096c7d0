"""The command line: `secret-sync eval PATH... --config FILE [--in-place | --output DIR] [--diff]`."""

from __future__ import annotations

import argparse
from typing import NoReturn

USAGE = "secret-sync eval PATH... --config FILE [--in-place | --output DIR] [--diff]"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse's format, with our program name
        self.exit(2, f"secret-sync: error: {message}\nusage: {USAGE}\n")


def parse_args(args: list[str]) -> argparse.Namespace:
    p = _Parser(prog="secret-sync eval", usage=USAGE, description=(
        "Run the secret-sync transformation over YAML files on disk (a one-off repository "
        "migration without kpt). Without --in-place, --output or --diff the result is printed "
        "as a multi-document YAML stream."))
    p.add_argument("paths", nargs="+", metavar="PATH", help="YAML files or directories (recursive)")
    p.add_argument("--config", metavar="FILE", help="function config: SecretSync or ConfigMap")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--in-place", action="store_true", help="rewrite the files")
    mode.add_argument("--output", metavar="DIR", help="write the resulting tree to DIR")
    p.add_argument("--diff", action="store_true",
                   help="print a unified diff of what would change and write nothing")
    return p.parse_args(args)
