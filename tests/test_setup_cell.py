"""tools/setup_cell.py: where the setup cell goes, that it is idempotent, what it does."""

import copy
import importlib.util
import json

import pytest
from test_notebooks import CHAPTERS, load_tool

setup_cell = load_tool("setup_cell")


def notebook():
    """Chapter 00 as it would be without its setup cell."""
    nb = json.loads(CHAPTERS[0].read_text())
    nb["cells"] = [c for c in nb["cells"] if not setup_cell.is_setup_cell(c)]
    return nb


def test_inserted_once_before_the_first_code_cell_and_hidden():
    nb = notebook()
    source = setup_cell.cell_source(repository="")
    assert setup_cell.apply(nb, source)
    codes = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert setup_cell.is_setup_cell(codes[0]) and "import rnnbook" in "".join(codes[1]["source"])
    assert codes[0]["metadata"]["tags"] == ["remove-cell", "rnnbook-setup"]
    first = next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code")
    assert setup_cell.is_setup_cell(nb["cells"][first])  # markdown before it stays before it
    again = copy.deepcopy(nb)
    assert not setup_cell.apply(again, source) and again == nb


def test_a_repository_address_rewrites_the_cell_and_moves_it_back_in_place():
    nb = notebook()
    setup_cell.apply(nb, setup_cell.cell_source(repository=""))
    cell = next(c for c in nb["cells"] if setup_cell.is_setup_cell(c))
    nb["cells"].remove(cell)
    nb["cells"].append(cell)  # misplaced
    url = "https://github.com/someone/book"
    assert setup_cell.apply(nb, setup_cell.cell_source(repository=url))
    codes = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert setup_cell.is_setup_cell(codes[0])
    assert f"REPOSITORY = {url!r}" in "".join(codes[0]["source"])
    assert sum(setup_cell.is_setup_cell(c) for c in nb["cells"]) == 1


def run_cell(tmp_path, monkeypatch, found):
    """Run the cell's code as if rnnbook were missing (``found``: what find_spec says)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RNNBOOK_SOURCE", raising=False)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: found if name == "rnnbook" else real(name, *a))
    exec(setup_cell.cell_source(repository=""), {})


def test_in_the_books_environment_it_does_nothing(tmp_path, monkeypatch, capsys):
    run_cell(tmp_path, monkeypatch, found=object())
    assert capsys.readouterr().out == ""


def test_with_nothing_to_install_from_it_says_where_to_get_the_library(tmp_path, monkeypatch):
    with pytest.raises(ModuleNotFoundError, match="recurrent-networks-verified.zip"):
        run_cell(tmp_path, monkeypatch, found=None)


def test_check_mode_reports_without_writing(tmp_path):
    path = tmp_path / CHAPTERS[0].name
    setup_cell.write(path, notebook())
    before = path.read_text()
    assert setup_cell.main(["--check", str(path)]) == 1 and path.read_text() == before
    assert setup_cell.main([str(path)]) == 0 and path.read_text() != before
    assert setup_cell.main(["--check", str(path)]) == 0
