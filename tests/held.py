"""The dossier CLI, held once a scoped writer has taken its locks: it prints LOCKED to
stderr and waits until the file $DOSSIER_TEST_RELEASE exists, so that a test can run
another command at that moment (as one would run while a big scope is read).

Test instrumentation, run as a script: python tests/held.py --db URL COMMAND …
"""

import os
import sys
import time
from pathlib import Path
from typing import Any

import dossier.store.server as server
from dossier.cli.app import app

_lock_scope = server._lock_scope


def _wait(word: str, variable: str) -> None:
    print(word, file=sys.stderr, flush=True)
    release = Path(os.environ[variable])
    deadline = time.monotonic() + 60
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.02)


def _held(conn: Any, scope: set[str], wanted: Any, *rest: Any) -> set[str]:
    moved = _lock_scope(conn, scope, wanted, *rest)
    if not moved:
        _wait("LOCKED", "DOSSIER_TEST_RELEASE")
    return moved


_init = server.ServerDossier.__init__


def _read(self: Any, *args: Any, **kwargs: Any) -> None:
    """And, with $DOSSIER_TEST_READ_RELEASE, once the records are read."""
    _init(self, *args, **kwargs)
    if "DOSSIER_TEST_READ_RELEASE" in os.environ:
        _wait("READ", "DOSSIER_TEST_READ_RELEASE")


server._lock_scope = _held
server.ServerDossier.__init__ = _read  # type: ignore[method-assign]
sys.argv[0] = "dossier"
app()
