"""Every reliability scenario, with its short (pytest) and long (`make reliability`) size.

A scenario is a function `name(trials: int, workdir: Path) -> Outcome`: it runs
real commands on real files under `workdir` and counts the trials that failed.
What one trial is depends on the scenario (a write, a kill, an injected fault,
a fuzzed input, a view), and is said in its docstring.

`defect` marks a scenario that fails on today's code because of a known bug:
its pytest test is `xfail(strict=True)` with that reason, so fixing the bug
makes the test pass and the marker must then go.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .encryption import encrypted
from .faults import FAULTS, disk_errors
from .fuzz import (
    csv_first_line,
    fuzz_cli_args,
    fuzz_csv,
    fuzz_dates,
    fuzz_ids_names,
    fuzz_json,
    fuzz_undecodable_arguments,
)
from .harness import Outcome
from .integrity import TAMPERINGS, tampering, tampering_then_write
from .leaks import (
    confidential_exports,
    confidential_reports,
    control_characters,
    debug_tracebacks,
    file_modes,
)
from .markup import markup
from .migrations import migrations
from .outside import (
    CIPHER_DAMAGES,
    DAMAGES,
    accepted_edits,
    damaged_ciphertext,
    damaged_files,
    odd_paths,
)
from .processes import busy_lock, concurrency, crash_import, crash_write
from .server import server_kills, server_many_cases, server_one_case, server_readers


@dataclass(frozen=True, slots=True)
class Scenario:
    """A scenario and how many trials it runs in the short and the long suite."""

    name: str
    run: Callable[[int, Path], Outcome]
    short: int
    long: int
    defect: str | None = None


SCENARIOS: tuple[Scenario, ...] = (
    # 1. Concurrency
    Scenario("concurrency", concurrency, short=20, long=400),
    Scenario("busy_lock", busy_lock, short=1, long=6),
    # 2. Crashes
    Scenario("crash_import", crash_import, short=2, long=20),
    Scenario("crash_write", crash_write, short=3, long=20),
    # 3. Disk and OS errors
    Scenario("disk_errors", disk_errors, short=2 * len(FAULTS), long=200),
    # 4. Bad input
    Scenario("fuzz_dates", fuzz_dates, short=50, long=2000),
    Scenario("fuzz_ids_names", fuzz_ids_names, short=50, long=2000),
    Scenario("fuzz_csv", fuzz_csv, short=50, long=2000),
    Scenario(
        "csv_first_line",
        csv_first_line,
        short=4,
        long=4,
    ),
    Scenario("fuzz_json", fuzz_json, short=50, long=2000),
    Scenario("fuzz_cli_args", fuzz_cli_args, short=50, long=2000),
    Scenario(
        "fuzz_undecodable_arguments",
        fuzz_undecodable_arguments,
        short=10,
        long=200,
    ),
    # 5. Tampering
    Scenario("tampering", tampering, short=2 * len(TAMPERINGS), long=300),
    Scenario(
        "tampering_then_write",
        tampering_then_write,
        short=3,
        long=30,
    ),
    # Files changed outside dossier, and paths that are no dossier files
    Scenario("damaged_files", damaged_files, short=len(DAMAGES), long=120),
    Scenario("accepted_edits", accepted_edits, short=3, long=30),
    Scenario("odd_paths", odd_paths, short=4, long=12),
    # 6. Leaks
    Scenario("file_modes", file_modes, short=1, long=3),
    Scenario("markup", markup, short=1, long=2),
    Scenario("confidential_reports", confidential_reports, short=12, long=12),
    Scenario(
        "confidential_exports",
        confidential_exports,
        short=4,
        long=4,
    ),
    Scenario(
        "debug_tracebacks",
        debug_tracebacks,
        short=7,
        long=14,
    ),
    Scenario(
        "control_characters",
        control_characters,
        short=5,
        long=5,
    ),
    # 7. Migrations
    Scenario("migrations", migrations, short=4, long=20),
    # 8. The same on an encrypted dossier (DOSSIER_PASSPHRASE set for every command);
    # after each trial no file in the dossier's folder may hold its words in plaintext.
    Scenario("concurrency_encrypted", encrypted(concurrency), short=20, long=400),
    Scenario("crash_import_encrypted", encrypted(crash_import), short=1, long=20),
    Scenario("crash_write_encrypted", encrypted(crash_write), short=2, long=20),
    Scenario("tampering_encrypted", encrypted(tampering), short=len(TAMPERINGS), long=300),
    Scenario(
        "tampering_then_write_encrypted",
        encrypted(tampering_then_write),
        short=3,
        long=30,
    ),
    Scenario(
        "damaged_ciphertext",
        encrypted(damaged_ciphertext),
        short=len(CIPHER_DAMAGES),
        long=300,
    ),
    # 9. On a PostgreSQL server (a throwaway cluster): writers of one case and of many,
    # readers during writes, and clients killed at random moments.
    Scenario("server_one_case", server_one_case, short=8, long=400),
    Scenario("server_many_cases", server_many_cases, short=8, long=400),
    Scenario("server_readers", server_readers, short=3, long=100),
    Scenario("server_kills", server_kills, short=2, long=20),
)

BY_NAME = {scenario.name: scenario for scenario in SCENARIOS}

__all__ = ["BY_NAME", "SCENARIOS", "Outcome", "Scenario"]
