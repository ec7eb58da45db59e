"""The claims ledger: every registered claim demonstrated, and no demonstration contradicting it."""

import ast
import json
import re
from pathlib import Path

import pytest

from rnnbook import claims

ROOT = Path(__file__).resolve().parent.parent
LEDGER = list(claims.ledger().values())
BIB_KEYS = set(re.findall(r"^@\w+\{([^,]+),", (ROOT / "references.bib").read_text(), re.M))
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb")) + sorted(
    (ROOT / "appendices").glob("*.ipynb"))
DEMONSTRATE = re.compile(r"""demonstrate\(\s*["']([\w.-]+)["']""")
LABEL = re.compile(r"^\(claim-([\w.-]+)\)=", re.M)


def cells(path):
    return json.loads(path.read_text())["cells"]


def printed(cell):
    return "".join("".join(o.get("text", "")) for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream")


def demonstration_cell(path, claim_id):
    """The first code cell after the markdown cell holding ``(claim-<id>)=``, or None."""
    notebook = cells(path)
    for index, cell in enumerate(notebook):
        if cell["cell_type"] == "markdown" and f"(claim-{claim_id})=" in "".join(cell["source"]):
            return next((c for c in notebook[index + 1:] if c["cell_type"] == "code"), None)
    return None


def test_the_ledger_loads_and_every_verdict_is_a_known_word():
    assert LEDGER
    assert all(c.verdict in claims.VERDICTS for c in LEDGER)


@pytest.mark.parametrize("claim", LEDGER, ids=lambda c: c.id)
def test_each_claim_names_a_cited_source_and_its_words(claim):
    assert claim.source in BIB_KEYS, f"{claim.source!r} is not a key of references.bib"
    assert claim.where.strip() and claim.says.strip() and claim.finding.strip()


@pytest.mark.parametrize("claim", LEDGER, ids=lambda c: c.id)
def test_each_claim_is_demonstrated_and_the_demonstration_agrees(claim):
    if claim.verdict == "unverifiable":
        assert claim.why.strip(), "an unverifiable claim says what could not be checked here"
        assert not claim.demonstrated_by
        return
    target = claim.demonstrated_by
    assert target, f"claim {claim.id} has no demonstration"
    if target.endswith(".ipynb"):
        cell = demonstration_cell(ROOT / target, claim.id)
        assert cell is not None, f"{target} has no code cell under the label (claim-{claim.id})="
        found = re.findall(rf"^claim {re.escape(claim.id)}: (\w+)$", printed(cell), re.M)
        assert found == [claim.verdict], (
            f"the stored demonstration in {target} printed {found}, the ledger says "
            f"{claim.verdict!r}")
        return
    file, _, name = target.partition("::")
    tree = ast.parse((ROOT / file).read_text())
    functions = {f.name: f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)}
    assert name in functions, f"{file} has no test {name}"
    assert claim.id in DEMONSTRATE.findall(ast.get_source_segment(
        (ROOT / file).read_text(), functions[name])), f"{target} does not demonstrate {claim.id}"


def test_every_demonstration_and_claim_label_is_registered():
    sources = {p: "".join("".join(c["source"]) for c in cells(p)) for p in NOTEBOOKS}
    sources |= {p: p.read_text() for p in (ROOT / "tests").glob("test_*.py")}
    for path, text in sources.items():
        for claim_id in DEMONSTRATE.findall(text) + LABEL.findall(text):
            assert claim_id in claims.ledger(), f"{path.name}: {claim_id!r} is not registered"
            where = claims.claim(claim_id).demonstrated_by
            assert where.split("::")[0] == str(path.relative_to(ROOT)), (
                f"{path.name} demonstrates {claim_id}, which the ledger says is shown in {where}")


def test_demonstrate_refuses_a_verdict_the_ledger_does_not_state(capsys):
    some = LEDGER[0]
    other = next(v for v in claims.VERDICTS if v not in (some.verdict, "unverifiable"))
    with pytest.raises(claims.ClaimContradicted, match="the ledger"):
        claims.demonstrate(some.id, other)
    assert claims.demonstrate(some.id, some.verdict) == some.verdict
    assert capsys.readouterr().out == f"claim {some.id}: {some.verdict}\n"
    with pytest.raises(KeyError, match="no claim"):
        claims.claim("no-such-claim")


def test_the_rendered_table_links_each_claim_to_its_demonstration():
    text = claims.table(ids=[c.id for c in LEDGER])
    assert text.count("\n") == len(LEDGER) + 1
    for c in LEDGER:
        assert f"**{c.verdict}**" in text and f"{{cite:t}}`{c.source}`" in text


def test_no_claim_is_registered_twice_under_two_ids():
    """Two pages quoting the same sentence of the same source (and, for a library, of the same
    API: the GRU's and the LSTM's docstrings share sentences) register one claim."""
    def words(text):
        return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())
    seen = {}
    for c in LEDGER:
        api = re.search(r"\bkeras(?:\.\w+)+|\btorch(?:\.\w+)+", c.where)
        key = (c.source, api.group(0) if api else "", words(c.says))
        assert key not in seen, f"{c.id} and {seen[key]} quote the same words of {c.source}"
        seen[key] = c.id

def test_a_test_demonstration_is_shown_as_its_name_and_file():
    """Two code spans, so a narrow table column can break between them."""
    shown = [c for c in LEDGER if "::" in c.demonstrated_by]
    assert shown
    file, _, test = shown[0].demonstrated_by.partition("::")
    assert file.startswith("tests/")
    assert f"`{test}` in `{file[len('tests/'):]}`" in claims.table(ids=[shown[0].id])


def test_table_cells_let_long_names_break_but_leave_code_math_and_links_alone():
    text = ("in keras/src/layers/lstm.py, `keras.layers.LSTM`, $a/b$ and "
            "[cuDNN](https://developer.nvidia.com/cudnn), Keras 3.15.1 | end")
    assert "\u200b" not in claims._cell(text)              # by default: unchanged
    cell = claims._cell(text, breakable=True)
    assert "keras/\u200bsrc/\u200blayers/\u200blstm.\u200bpy" in cell
    assert "`keras.layers.LSTM`" in cell and "$a/b$" in cell
    assert "(https://developer.nvidia.com/cudnn)" in cell and "3.15.1" in cell
    assert "\\|" in cell and "\n" not in cell
    with_path = next(c for c in LEDGER if "/" in c.where)
    assert "\u200b" not in claims.table(ids=[with_path.id])
    assert "\u200b" in claims.table(ids=[with_path.id], breakable=True)
