"""A throwaway PostgreSQL cluster for the tests: initdb in a temporary folder, a Unix
socket only (no TCP port), stopped and deleted at the end.

As root, the server runs as the `postgres` user (through `runuser`), since
PostgreSQL refuses to run as root. `DOSSIER_TEST_DATABASE_URL` names a server to
use instead. Where PostgreSQL is not installed (`make test` installs Debian's
`postgresql` when it can), `find_bin` returns None and the server tests skip with
that reason; under CI (`CI=true`) such a skip is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def find_bin(name: str) -> str | None:
    """A PostgreSQL program: on the PATH, else in Debian's versioned folder."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(candidates[-1]) if candidates else None


@dataclass
class Cluster:
    """A running throwaway cluster: its folder, socket folder and superuser URL."""

    folder: Path
    socket: Path
    url: str
    as_user: list[str]

    def stop(self) -> None:
        """Stop the server at once and delete its folder."""
        pg_ctl = find_bin("pg_ctl")
        if pg_ctl:
            subprocess.run(
                [*self.as_user, pg_ctl, "-D", str(self.folder / "data"), "-m", "immediate",
                 "stop"],
                capture_output=True,
                check=False,
            )  # fmt: skip
        shutil.rmtree(self.folder, ignore_errors=True)

    def restart(self) -> None:
        """Stop the server at once (clients are cut off) and start it again."""
        _pg_ctl(self, "restart", "-m", "immediate")


# A test makes a database of its own (CREATE DATABASE … TEMPLATE, about 900 files): 20 ms
# in memory, 250 ms on this machine's disk, where creating a file took 0.5 ms.
_MEMORY = Path("/dev/shm")
_ROOM = 2 << 30  # what the tests' clusters take, with room to spare


def in_memory() -> str | None:
    """A folder in memory (tmpfs) with room for the tests' clusters, if the machine has one."""
    try:
        roomy = _MEMORY.is_dir() and shutil.disk_usage(_MEMORY).free > _ROOM
    except OSError:
        return None
    return str(_MEMORY) if roomy and os.access(_MEMORY, os.W_OK | os.X_OK) else None


def start(folder_in: str | None = None) -> Cluster:
    """initdb and start a cluster in a new temporary folder (inside `folder_in`, when
    given: `in_memory()` for the tests; benchmarks keep the disk that files are on)."""
    initdb = find_bin("initdb")
    if initdb is None:
        raise FileNotFoundError("initdb")
    as_user: list[str] = []
    if os.getuid() == 0:  # PostgreSQL will not run as root
        as_user.extend(["runuser", "-u", "postgres", "--"])
    _sweep(Path(folder_in or tempfile.gettempdir()), as_user)
    folder = Path(tempfile.mkdtemp(prefix="dossier-pg-", dir=folder_in))
    (folder / "owner").write_text(f"{os.getpid()} {_pid_space()}")
    socket = folder / "s"
    socket.mkdir()
    cluster = Cluster(folder, socket, f"postgresql://postgres@/postgres?host={socket}", as_user)
    try:
        if as_user:
            shutil.chown(folder, "postgres")  # LookupError without a postgres user
            shutil.chown(socket, "postgres")
        subprocess.run(
            [*as_user, initdb, "-D", str(folder / "data"), "-U", "postgres", "-A", "trust",
             "-E", "UTF8", "--no-sync"],
            capture_output=True,
            check=True,
        )  # fmt: skip
        _pg_ctl(cluster, "start")
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _sweep(parent: Path, as_user: list[str]) -> None:
    """Stop and delete the clusters in `parent` whose test run died without stopping
    them (killed): in memory, each would hold its share of the machine's RAM until a
    reboot. A cluster of a run still alive, or of a dossier older than the owner file,
    is left alone."""
    for folder in parent.glob("dossier-pg-*"):
        try:
            pid, space = (folder / "owner").read_text().split()
            owner = int(pid)
        except (OSError, ValueError):
            continue
        # A run in another container sharing the folder has its own process ids: whether
        # it lives cannot be told from here, so its clusters are left alone.
        if space != _pid_space() or owner == os.getpid() or _alive(owner):
            continue
        Cluster(folder, folder / "s", "", as_user).stop()


def _pid_space() -> str:
    """The process-id namespace this process lives in ('pid:[4026531836]'), where the
    system says; '-' where it does not."""
    try:
        return str(Path("/proc/self/ns/pid").readlink())
    except OSError:
        return "-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's: alive
        return True
    return True


def _pg_ctl(cluster: Cluster, action: str, *extra: str) -> None:
    pg_ctl = find_bin("pg_ctl")
    assert pg_ctl is not None
    # No TCP port at all; fsync off: a test cluster need not survive a power cut.
    options = f"-c listen_addresses='' -k {cluster.socket} -c fsync=off"
    subprocess.run(
        [*cluster.as_user, pg_ctl, "-D", str(cluster.folder / "data"), "-o", options,
         "-l", str(cluster.folder / "log"), "-w", action, *extra],
        capture_output=True,
        check=True,
    )  # fmt: skip
