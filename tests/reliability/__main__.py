"""The long reliability run: `python -m tests.reliability [--short] [SCENARIO...]`.

Prints a Markdown table (scenario, trials, failures), then the first failure
of each failing scenario and each scenario's notes; exits 1 if any trial failed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from .harness import Outcome
from .scenarios import BY_NAME, SCENARIOS


def main(argv: list[str] | None = None) -> int:
    """Run the scenarios and print the table; the exit status."""
    parser = argparse.ArgumentParser(prog="python -m tests.reliability", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="SCENARIO", help=", ".join(BY_NAME))
    parser.add_argument("--short", action="store_true", help="the short (pytest) trial counts")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BY_NAME]
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)}; choose from {', '.join(BY_NAME)}")
    chosen = [BY_NAME[name] for name in args.names] or list(SCENARIOS)
    outcomes: list[tuple[Outcome, float, str | None]] = []
    for scenario in chosen:
        trials = scenario.short if args.short else scenario.long
        print(f"{scenario.name}: {trials} …", file=sys.stderr, flush=True)
        start = time.monotonic()
        with tempfile.TemporaryDirectory(prefix=f"dossier-{scenario.name}-") as folder:
            outcome = scenario.run(trials, Path(folder))
        outcomes.append((outcome, time.monotonic() - start, scenario.defect))
    print("| scenario | trials | failures |")
    print("| --- | ---: | ---: |")
    for outcome, _seconds, _defect in outcomes:
        print(f"| {outcome.scenario} | {outcome.trials} | {outcome.failures} |")
    print()
    for outcome, seconds, defect in outcomes:
        lines = [f"- {outcome.scenario} ({seconds:.1f} s)"]
        if outcome.notes:
            lines.append(f"  {outcome.notes}")
        if outcome.first_failure:
            lines.append(f"  first failure: {outcome.first_failure}")
            if defect:
                lines.append(f"  known defect: {defect}")
        print("\n".join(lines))
    return 1 if any(outcome.failures for outcome, _s, _d in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
