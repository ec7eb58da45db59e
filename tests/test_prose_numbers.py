"""Numbers in the prose come from the computation: glued, or a definition, or a year.

A number typed into a sentence drifts from the code beside it (5.25 in the text, 5.24 in
the cell). This test reads every markdown cell of every notebook and flags each number that
is not one of these:

- glued (``{glue:text}`name```: the value comes from a cell's output);
- inside code (a code span or block is code, not a claim), unless the span holds nothing
  but a number;
- a definition in a formula: a number right after ``=`` inside math (``$T = 50$``), or an
  integer up to 10 anywhere in math (exponents, indices, ``4n(m+n+1)``);
- a small integer, up to 10, in prose ("the 4 blocks", "Keras 3");
- a year (1900–2099), a version after a project's name, a seed article's number
  (``seed 001``), or part of a cross-reference, citation, label, link or file name;
- inside a quotation of a source: between quotation marks or in a ``>`` block quote (the
  words are the source's, checked against it in the claims ledger);
- listed in ALLOWED below, with the reason.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb")) + sorted(
    (ROOT / "appendices").glob("*.ipynb"))
MARKDOWN_PAGES = [ROOT / "intro.md", ROOT / "run.md", ROOT / "bibliography.md"] + sorted(
    (ROOT / "appendices").glob("*.md"))

#: Numbers a page may state without computing them, per page, each with its reason.
ALLOWED = {
    "run.md": {n: "the longer runs' wall times in minutes, checked against the results "
                  "files by tests/test_run_page.py"
               for n in ("10", "31", "16")},
    "chapters/03_why_rnns_forget.ipynb": {
        "12": "Var(u) = 1/12 for u ~ U(0, 1): the definition the adding problem's baselines "
              "(1/6 and 1/12) are derived from, in the formulas of the derivation",
    },
    "appendices/errata.ipynb": {
        "21578": "part of a proper name, the Reuters-21578 collection, not a measurement",
    },
}

PROJECTS = (r"Keras|TensorFlow|Python|NumPy|PyTorch|JAX|Jupyter Book|myst-nb|MyST-NB|"
            r"Sphinx|MathJax|matplotlib|ipywidgets|nbval|cuDNN|CUDA|torch|jax|OpenBLAS|"
            r"Chromium|sphinx-book-theme|pydata-sphinx-theme|version|versions|release|v")

NUMBER = re.compile(r"(?<![\w.])(\d+(?:[.,]\d+)*(?:e[-+]?\d+)?)(?![\w])")
CODE_BLOCK = re.compile(r"```.*?```|~~~.*?~~~", re.S)
CODE_SPAN = re.compile(r"``(.+?)``|`([^`]+)`")
DISPLAY_MATH = re.compile(r"\$\$.*?\$\$|\\begin\{(\w+\*?)\}.*?\\end\{\1\}", re.S)
INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)(.+?)(?<!\\)\$")
ROLE = re.compile(r"\{[\w:.-]+\}`[^`]*`")
QUOTATION = re.compile(r"“[^”]*”|\"[^\"\n]*\"|^\s*>.*$", re.M)
LINK_TARGET = re.compile(r"\]\([^)]*\)|<[^>]+>|https?://\S+")
LABEL_LINE = re.compile(r"^\s*(?:\([\w:.-]+\)=|:[\w-]+:.*|```\{?\w.*)$", re.M)
ALLOWED_CONTEXT = re.compile(
    rf"(?:(?:{PROJECTS})\s+v?\d+(?:\.\d+)*(?:\.\w+)?)"      # Keras 3.15, Python 3.11
    r"|(?:seeds?|articles?)\s+\d{3}(?:\s*(?:/|,|and|or|–)\s*\d{3})*"  # seed 001, seeds 000/003
    r"|\b\d{3}_[0-9a-f]{16}\b"                                # seed file names
    r"|\b(?:19|20)\d\d[a-z]?\b",                              # years, 2015a
    re.I)
PURE_NUMBER = re.compile(r"^\s*[-+]?\d+(?:[.,]\d+)*(?:e[-+]?\d+)?\s*%?\s*$")


def numbers_in_math(math):
    """Numbers in a formula that are neither small integers nor definitions after '='."""
    flagged = []
    for match in NUMBER.finditer(math):
        text = match.group(1)
        before = math[:match.start()].rstrip()
        if before.endswith(("=", "_", "^", "{")) and "." not in text and int(
                text.replace(",", "")) <= 10:
            continue
        if before.endswith("="):
            continue                                  # a definition: T = 50
        if re.fullmatch(r"\d+", text) and int(text) <= 10:
            continue
        flagged.append(text)
    return flagged


def numbers_in_prose(text):
    """Every number in ``text`` (markdown) that this test does not accept, in order."""
    flagged = []
    text = CODE_BLOCK.sub(" ", text)
    for math in DISPLAY_MATH.finditer(text):
        flagged += numbers_in_math(math.group(0))
    text = DISPLAY_MATH.sub(" ", text)
    for math in INLINE_MATH.finditer(text):
        flagged += numbers_in_math(math.group(1))
    text = INLINE_MATH.sub(" ", text)
    for span in CODE_SPAN.finditer(text):
        content = span.group(1) or span.group(2)
        if PURE_NUMBER.match(content):
            flagged.append(content.strip())
    text = CODE_SPAN.sub(" ", text)
    text = LABEL_LINE.sub(" ", ROLE.sub(" ", text))
    text = LINK_TARGET.sub(" ", text)
    text = QUOTATION.sub(" ", text)
    text = ALLOWED_CONTEXT.sub(" ", text)
    for match in NUMBER.finditer(text):
        number = match.group(1)
        if re.fullmatch(r"\d+", number) and int(number) <= 10:
            continue
        flagged.append(number)
    return flagged


def markdown_of(path):
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text())["cells"]
        return ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    return [path.read_text()]


def unglued(path):
    allowed = ALLOWED.get(str(path.relative_to(ROOT)), {})
    found = []
    for text in markdown_of(path):
        found += [n for n in numbers_in_prose(text) if n not in allowed]
    return found


@pytest.mark.parametrize("path", NOTEBOOKS + MARKDOWN_PAGES,
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_numbers_in_prose_are_glued(path):
    found = unglued(path)
    assert not found, (f"{len(found)} number(s) typed into the prose: {found[:30]}; glue "
                       "them from the computation (rnnbook.pages.glue), or see this test's "
                       "docstring")


def test_the_checker_flags_typed_numbers_and_accepts_the_rest():
    assert numbers_in_prose("the ratio is 5.25 and the count 129") == ["5.25", "129"]
    assert numbers_in_prose("a ratio of {glue:text}`ratio` in Keras 3.15.1, 2015") == []
    assert numbers_in_prose("$T = 50$ steps, $4n(m+n+1)$, seeds 000/003") == []
    assert numbers_in_prose("$\\sigma(1) \\approx 0.73$") == ["0.73"]
    assert numbers_in_prose("`units=32` and `0.748`") == ["0.748"]
    assert numbers_in_prose('the seed says "27,744 parameters"\n> 9248 in all') == []
    assert numbers_in_prose("see [the docs](https://x.org/v2/12345) and {cite:t}`a2015`") == []
