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


def _held(conn: Any, scope: set[str], wanted: Any) -> set[str]:
    moved = _lock_scope(conn, scope, wanted)
    if not moved:
        print("LOCKED", file=sys.stderr, flush=True)
        release = Path(os.environ["DOSSIER_TEST_RELEASE"])
        deadline = time.monotonic() + 60
        while not release.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
    return moved


server._lock_scope = _held
sys.argv[0] = "dossier"
app()
