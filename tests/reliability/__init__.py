"""Reliability and security scenarios (issue 7): real processes, real files.

`pytest tests/reliability` runs each scenario at its short size;
`python -m tests.reliability` runs the long suite and prints a table
(`make reliability`). The scenarios are listed in `scenarios.py`.
"""
