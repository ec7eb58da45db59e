"""tools/backend_verdicts.py: which lines are verdicts, how a run is compared with the stored
notebook, the differences file kept honest, and the README showing it."""

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import backend_verdicts as bv  # noqa: E402


def code(source, *printed, error=None):
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=t) for t in printed]
    if error:
        cell.outputs.append(nbformat.v4.new_output("error", ename=error[0], evalue=error[1],
                                                   traceback=[]))
    return cell


def notebook(*cells):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# t"), *cells])


def test_verdict_lines_are_compare_verdicts_claims_and_true_false_lines():
    cell = code("x", "shape (2, 4)\nnumpy vs keras: agree within 1e-05\n",
                "a - b: DIFFER by 0.53 (tolerance 1e-05)\nclaim keras-x: holds\n"
                "equal: True\nlast == h: True | last == c: False\nsum 0.25\n")
    assert bv.verdict_lines(cell) == [
        "numpy vs keras: agree within 1e-05", "a - b: DIFFER by 0.53 (tolerance 1e-05)",
        "claim keras-x: holds", "equal: True", "last == h: True | last == c: False"]


def test_a_printout_split_into_chunks_is_read_as_one_text():
    cell = code("x", "a\n  ", " b vs c: agree within 1e-05\n", "d: Tr", "ue\n")
    cell.outputs.insert(2, nbformat.v4.new_output("stream", name="stderr", text="warn\n"))
    assert bv.verdict_lines(cell) == ["   b vs c: agree within 1e-05", "d: True"]


def entry(kind, **fields):
    return bv.Entry(kind=kind, notebook="nb.ipynb", backends=["torch"], reason="why",
                    **fields)


def test_a_changed_verdict_or_an_error_fails_unless_listed():
    stored = notebook(code("a = 1", "ok: True\n"), code("b = f(a)", "x vs y: agree within 1e-05\n"))
    ran = notebook(code("a = 1", "ok: False\n"), code("b = f(a)", error=("RuntimeError", "grad")))
    _, failures, counts = bv.compare_notebook(stored, ran, "nb.ipynb", "torch", [])
    assert len(failures) == 2 and "verdict differs" in failures[0]
    assert "raised RuntimeError: grad" in failures[1]
    listed = [entry("tensorflow_only", cell="a = 1"), entry("tensorflow_only", cell="f(a)")]
    report, failures, counts = bv.compare_notebook(stored, ran, "nb.ipynb", "torch", listed)
    assert failures == [] and counts["unchecked"] == 2 and len(report) == 2
    assert all(e.used == {"torch"} for e in listed)
    # the same entries on another backend do not apply
    _, failures, _ = bv.compare_notebook(stored, ran, "nb.ipynb", "jax", listed)
    assert len(failures) == 2


def test_a_listed_cell_that_runs_and_agrees_fails_the_run():
    stored = notebook(code("a = 1", "ok: True\n"))
    _, failures, _ = bv.compare_notebook(stored, stored, "nb.ipynb", "torch",
                                         [entry("tensorflow_only", cell="a = 1")])
    assert failures and "remove its tensorflow_only entry" in failures[0]


def test_a_listed_difference_must_match_both_lines():
    stored = notebook(code("c", "a vs b: DIFFER by 0.16 (tolerance 1e-05)\n"))
    ran = notebook(code("c", "a vs b: DIFFER by 0.095 (tolerance 1e-05)\n"))
    size = entry("differs", stored=r"a vs b: DIFFER by [0-9.]+ \(tolerance 1e-05\)",
                 printed=r"a vs b: DIFFER by [0-9.]+ \(tolerance 1e-05\)")
    _, failures, counts = bv.compare_notebook(stored, ran, "nb.ipynb", "torch", [size])
    assert failures == [] and counts["differs"] == 1
    agrees = notebook(code("c", "a vs b: agree within 1e-05\n"))
    _, failures, _ = bv.compare_notebook(stored, agrees, "nb.ipynb", "torch", [size])
    assert failures, "a verdict that turns from DIFFER to agree is not a listed difference"


def test_a_different_number_of_verdict_lines_fails():
    stored = notebook(code("c", "x: True\ny: True\n"))
    ran = notebook(code("c", "x: True\n"))
    _, failures, _ = bv.compare_notebook(stored, ran, "nb.ipynb", "torch", [])
    assert failures and "2 verdict lines stored, 1 printed" in failures[0]


def test_skipped_cells_are_left_out_of_the_run(tmp_path):
    path = tmp_path / "nb.ipynb"
    nbformat.write(notebook(code("print('slow: True')")), path)
    cells = nbformat.read(path, as_version=4).cells
    assert bv.source(cells[1]) == "print('slow: True')"
    ran = notebook(code(bv.SKIPPED))
    report, failures, counts = bv.compare_notebook(
        notebook(code("print('slow: True')", "slow: True\n")), ran, "nb.ipynb", "torch",
        [entry("skip", cell="print('slow")])
    assert failures == [] and counts["unchecked"] == 1 and "not run on torch" in report[0]


def test_every_entry_of_the_differences_file_names_a_cell_or_lines_and_a_reason():
    entries = bv.load_differences()
    assert entries
    for e in entries:
        assert e.reason.strip() and set(e.backends) <= {"jax", "torch"}
        if e.kind == "differs":
            assert e.stored and e.printed
            continue
        # (whether it still picks one cell of today's notebook is make test-backends' check)
        assert e.cell.strip() and e.change.strip(), (
            f"{e.notebook}: say what change would run {e.cell!r} on every backend")


def test_an_entry_that_picks_two_cells_fails_the_run():
    stored = notebook(code("a = 1", "ok: True\n"), code("a = 1; b = 2", "ok: True\n"))
    ran = notebook(code("a = 1", error=("E", "e")), code("a = 1; b = 2", error=("E", "e")))
    _, failures, _ = bv.compare_notebook(stored, ran, "nb.ipynb", "torch",
                                         [entry("tensorflow_only", cell="a = 1")])
    assert any("picks 2 cells" in f for f in failures)


def test_the_readme_shows_the_differences_file():
    assert bv.table() in (ROOT / "README.md").read_text(), (
        "the README's table is not backend_differences.toml: paste "
        "`python tools/backend_verdicts.py --table`")
