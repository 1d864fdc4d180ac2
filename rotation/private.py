"""Files and folders for their owner only.

Everything this program writes to disk holds personal data: the database and its backups
(names, leave reasons, the key behind calendar UIDs), exports and recovery files (names,
postings, dates). What it creates is therefore readable by the user who ran it only: folders
0700, files 0600, whatever the umask. What already exists is left as it is: a folder the
planning cell shares on purpose stays shared.
"""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path

__all__ = ["private_file", "private_folder"]


def private_folder(folder: Path) -> None:
    """Make ``folder`` and each missing folder above it, mode 0700."""
    missing: list[Path] = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for made in reversed(missing):
        with suppress(FileExistsError):
            made.mkdir(mode=0o700)


def private_file(path: Path) -> bool:
    """Create ``path`` empty, mode 0600, in folders made by :func:`private_folder`; False if
    it exists already (it is then left as it is)."""
    private_folder(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return False
    return True
