"""Directory locks (``flock``) that keep a local blob's data file and sidecar consistent.

A blob is two files, so publishing one takes two renames. Writers and deleters
hold a directory's exclusive lock around them, readers its shared lock around
``stat`` + sidecar read: concurrent puts of one key (from any process sharing
the directory) then always leave one writer's data with that writer's metadata.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

__all__ = ["locked_dir"]

_ATTEMPTS = 20


@contextlib.contextmanager
def locked_dir(directory: Path, *, exclusive: bool, create: bool = False) -> Iterator[bool]:
    """Hold ``directory``'s lock; yields False (unlocked) when it does not exist and ``create`` is off.

    An empty directory may be pruned (``rmdir`` ignores locks) between opening
    and locking it; the lock is then on a dead inode, so we check and retry.
    """
    for _ in range(_ATTEMPTS):
        if create:
            directory.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        except (FileNotFoundError, NotADirectoryError):
            if create:
                continue
            yield False
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            try:
                alive = os.stat(directory).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                alive = False
            if alive:
                yield True
                return
        finally:
            os.close(fd)  # closing the descriptor releases the lock
        if not create:
            yield False
            return
    raise OSError(f"could not lock blob directory {directory}: it keeps being removed")
