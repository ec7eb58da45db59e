"""pytest plugin for the nbval run: each notebook's time, and the book's budgets.

Loaded by `make nbval` (``-p nbval_timing``). Adds up setup, call and teardown of every cell
(the first cell's setup includes starting the kernel), prints a line per notebook, and
fails the run if one notebook takes longer than NOTEBOOK_BUDGET or all together longer
than TOTAL_BUDGET.
"""

from collections import defaultdict

import pytest

NOTEBOOK_BUDGET = 60.0  # seconds: a chapter runs in under a minute on 2 cores
TOTAL_BUDGET = 360.0    # seconds: the whole book's nbval run

_seconds = defaultdict(float)


def pytest_runtest_logreport(report):
    notebook = report.nodeid.split("::")[0]
    if notebook.endswith(".ipynb"):
        _seconds[notebook] += report.duration


def _over_budget():
    slow = {nb: s for nb, s in _seconds.items() if s > NOTEBOOK_BUDGET}
    return slow, sum(_seconds.values()) > TOTAL_BUDGET


def pytest_terminal_summary(terminalreporter):
    if not _seconds:
        return
    terminalreporter.section("notebook times (nbval)")
    for notebook, seconds in sorted(_seconds.items()):
        flag = "  OVER BUDGET" if seconds > NOTEBOOK_BUDGET else ""
        terminalreporter.write_line(f"{seconds:6.1f} s  {notebook}{flag}")
    total = sum(_seconds.values())
    terminalreporter.write_line(f"{total:6.1f} s  in all (budgets: {NOTEBOOK_BUDGET:.0f} s a "
                                f"notebook, {TOTAL_BUDGET:.0f} s in all)")


def pytest_sessionfinish(session):
    slow, total_over = _over_budget()
    if (slow or total_over) and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
