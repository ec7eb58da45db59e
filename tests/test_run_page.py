"""run.md's table of the longer runs states times that the results files record."""
import re
from pathlib import Path

from rnnbook import results

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\| `make ([a-z-]+)` \| `data/([a-z_]+)\.json` \| .* \| about (\d+) minutes \|$")


def recorded_seconds(record):
    """The wall time a results file records for everything its command ran."""
    for key in ("wall_seconds", "total_seconds", "seconds"):
        if key in record:
            total = record[key]
            break
    follow_up = record.get("follow_up") or {}
    return total + follow_up.get("seconds", 0)


def rows():
    found = [ROW.match(line) for line in (ROOT / "run.md").read_text().splitlines()]
    return [m.groups() for m in found if m]


def test_every_results_file_has_a_row():
    named = {name for _, name, _ in rows()}
    on_disk = {path.stem for path in (ROOT / "data").glob("*.json")}
    assert on_disk <= named, f"results files without a time in run.md: {on_disk - named}"


def test_the_times_are_the_recorded_ones():
    for command, name, minutes in rows():
        recorded = recorded_seconds(results.load(name)) / 60
        assert int(minutes) == round(recorded), (
            f"run.md says `make {command}` takes about {minutes} minutes; "
            f"data/{name}.json records {recorded:.1f}")
