"""Keeping ryml's C++ diagnostics off the process's stderr.

ryml's C++ code writes its messages straight to file descriptor 2, below Python's sys.stderr, so
the only way to catch them is to point descriptor 2 at a file for the duration of the call:
`captured_fd2` for a parse (the message becomes our YamlError's text), `quiet_fd2` for every emit
(the message is only read after a failure).
"""

from __future__ import annotations

import os


def _anonymous_file(name: str) -> int:
    """A descriptor of a file with no name: in memory where Linux has one (no tempfile import on
    the hot path)."""
    if not hasattr(os, "memfd_create"):  # pragma: no cover - other platforms
        import tempfile
        return os.dup(tempfile.TemporaryFile().fileno())
    return os.memfd_create(name)


class _Captured:
    def __init__(self) -> None:
        self.fd = _anonymous_file("secret-sync-stderr")

    def read_text(self) -> str:
        os.lseek(self.fd, 0, os.SEEK_SET)
        text = os.read(self.fd, 4096).decode("utf-8", "replace")
        os.close(self.fd)
        return text


class captured_fd2:
    """Redirect file descriptor 2 (C++ writes there directly) into a temp file for a moment."""

    def __enter__(self) -> _Captured:
        self.cap = _Captured()
        self.saved = os.dup(2)
        os.dup2(self.cap.fd, 2)
        return self.cap

    def __exit__(self, *exc: object) -> None:
        os.dup2(self.saved, 2)
        os.close(self.saved)
        if exc[0] is None:
            os.close(self.cap.fd)


class quiet_fd2:
    """Like captured_fd2 but cheap enough for every emitted item: one anonymous file per
    process, two dup2 calls per use. Its content is only read after a failure."""

    _fd: int = -1
    _saved: int = -1

    def __enter__(self) -> quiet_fd2:
        cls = quiet_fd2
        if cls._fd < 0:
            cls._fd = _anonymous_file("secret-sync-emit-stderr")
            cls._saved = os.dup(2)
        os.ftruncate(cls._fd, 0)
        os.lseek(cls._fd, 0, os.SEEK_SET)
        os.dup2(cls._fd, 2)
        return self

    def __exit__(self, *exc: object) -> None:
        os.dup2(quiet_fd2._saved, 2)

    def read_text(self) -> str:
        os.lseek(quiet_fd2._fd, 0, os.SEEK_SET)
        return os.read(quiet_fd2._fd, 4096).decode("utf-8", "replace")
