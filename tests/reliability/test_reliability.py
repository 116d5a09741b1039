"""The reliability scenarios at their short size: one test each, zero failures.

The long run is `python -m tests.reliability` (`make reliability`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import skip_or_fail

from .scenarios import SCENARIOS, Scenario


def _param(scenario: Scenario) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=scenario.defect)] if scenario.defect else []
    return pytest.param(scenario, id=scenario.name, marks=marks)


@pytest.mark.parametrize("scenario", [_param(s) for s in SCENARIOS])
def test_scenario(scenario: Scenario, tmp_path: Path) -> None:
    outcome = scenario.run(scenario.short, tmp_path)
    if outcome.trials == 0 and outcome.notes.startswith("skipped"):
        skip_or_fail(outcome.notes)  # a server scenario without PostgreSQL
    assert outcome.trials > 0
    assert outcome.failures == 0, (
        f"{outcome.failures} of {outcome.trials} trials failed; first: {outcome.first_failure}"
    )
