"""End to end on the sample dossier in data/ (real, sourced facts): the numbers a
lawyer would put before a court, checked against a hand count."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Run, contents, made

DATA = Path(__file__).parent.parent / "data"
FILES = [str(DATA / name) for name in ("cases.csv", "persons.csv", "events.csv")]
AS_OF = "2026-01-01"


@pytest.fixture
def sample(run: Run, db: Path) -> Run:
    made(db, "test_sample: the sample", lambda: _imported(run))
    return run


def _imported(run: Run) -> None:
    result = run("import", *FILES)
    assert result.exit_code == 0, result.output


def test_the_sample_imports_and_reimports_without_change(sample: Run, db: Path) -> None:
    before = contents(db)
    summary = json.loads(sample("import", *FILES, "--json").stdout)
    assert summary["unchanged"] == {"cases": 3, "persons": 12, "events": 59}
    assert summary["added"] == summary["updated"] == {"cases": 0, "persons": 0, "events": 0}
    assert contents(db) == before


def test_two_alike_events_stay_two(sample: Run) -> None:
    events = json.loads(sample("event", "list", "--case", "kudoyarov", "--json").stdout)
    alike = [e for e in events if (e["type"], e["date"]) == ("other", "2011-10-11")]
    assert len(alike) == 2
    assert alike[0]["description"] != alike[1]["description"]


def timeline(run: Run, *args: str) -> dict[str, object]:
    result = run("timeline", *args, "--as-of", AS_OF, "--json")
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_kudoyarov_held_141_days_until_his_death_in_custody(sample: Run) -> None:
    data = timeline(sample, "kudoyarov")
    assert data["custody"] == [
        {
            "person": "andrei-kudoyarov",
            "kind": "custody",
            "start": "2011-05-20",
            "end": "2011-10-08",
            "ongoing": False,
            "days": 141,
            "days_min": 141,
            "days_max": 141,
            "pretrial_days": 141,
            "pretrial_days_min": 141,
            "pretrial_days_max": 141,
            "approximate": False,
            "pretrial_approximate": False,
            "ended_by": "death_in_custody",
            "facilities": [
                "Moscow (his office at School No. 1308)",
                "SIZO No. 3 (11th Silikatny proezd), Moscow",
            ],
            "start_event": data["custody"][0]["start_event"],  # type: ignore[index]
            "end_event": data["custody"][0]["end_event"],  # type: ignore[index]
        }
    ]
    assert data["problems"] == []


def test_khodorkovsky_pretrial_ends_at_his_first_sentence(sample: Run) -> None:
    data = timeline(sample, "khodorkovsky", "--person", "Mikhail Khodorkovsky")
    (period,) = data["custody"]  # type: ignore[misc]
    assert (period["start"], period["end"], period["ended_by"]) == (
        "2003-10-25",
        "2013-12-20",
        "pardon",
    )
    assert period["days"] == 3709
    assert period["pretrial_days"] == 584  # 25 Oct 2003 to the sentence of 31 May 2005


def test_aleksanyans_conflicting_release_is_a_problem_not_silence(sample: Run) -> None:
    data = timeline(sample, "aleksanyan")
    (period,) = data["custody"]  # type: ignore[misc]
    assert (period["end"], period["ended_by"], period["approximate"]) == ("2008-12", "bail", True)
    # Bailed in December 2008: on the 1st at the soonest (970 days), the 31st at the latest.
    assert (period["days"], period["days_min"], period["days_max"]) == (970, 970, 1000)
    (problem,) = data["problems"]  # type: ignore[misc]
    assert (problem["person"], problem["case"]) == ("vasily-aleksanyan", "aleksanyan")
    assert problem["message"].startswith("release on 2009-01")


def test_stats_match_a_hand_count(sample: Run) -> None:
    stats = json.loads(sample("stats", "--as-of", AS_OF, "--json").stdout)
    # Lebedev 2003-07-02..2014-01-24 = 3859 days, Khodorkovsky 3709, Aleksanyan
    # 2006-04-06..2008-12(-01) = 970, Kudoyarov 141. Pretrial: 699, 584, 970, 141.
    assert stats["custody"] == {
        "persons_held": 4,
        "periods": 4,
        "total_days": 3859 + 3709 + 970 + 141,
        # Aleksanyan's bail "December 2008": 970 to 1000 days, all of them pretrial.
        "total_days_min": 3859 + 3709 + 970 + 141,
        "total_days_max": 3859 + 3709 + 1000 + 141,
        "median_pretrial_days": (584 + 699) / 2,
        "median_pretrial_days_min": (584 + 699) / 2,
        "median_pretrial_days_max": (584 + 699) / 2,
        "max_pretrial_days": 970,
        "max_pretrial_days_min": 970,
        "max_pretrial_days_max": 1000,
        "currently_held": 0,
        "deaths_in_custody": 1,
        "approximate": True,  # Aleksanyan's bail is known to the month
        "pretrial_approximate": True,
        # His 970 to 1000 days are the maximum, and above the median either way.
        "median_pretrial_approximate": False,
        "max_pretrial_approximate": True,
    }
    # Guilty per person and day: the 2005 sentence, the 2010 verdict and the 2010
    # sentence, for each of Khodorkovsky and Lebedev.
    assert stats["verdicts"] == {"guilty": 6, "acquitted": 0, "conviction_rate": 1.0}
    assert stats["cases"] == {
        "total": 3,
        "by_status": {"released": 1, "closed": 1, "deceased": 1},
    }
    assert stats["events"]["total"] == 59
    assert stats["persons"] == 12
    rows = {r["person"]: r for r in stats["per_person"]}
    assert rows["mikhail-khodorkovsky"]["hunger_strikes"] == 3
    assert rows["vasily-aleksanyan"]["medical_care_denied"] == 1
    assert rows["andrei-kudoyarov"]["ended_by"] == "death_in_custody"
    assert rows["platon-lebedev"]["verdict"] == "guilty"
