"""The reference appendices: listed in the TOC, the exercise index complete (chapters' and
appendices' exercises), the appendices' own exercises there, the glossary's terms defined, every
erratum link resolvable. (Their notebooks are held to the chapters' rules by
tests/test_notebooks.py.)"""

import json
import re
from pathlib import Path

from test_notebooks import source, toc_files

ROOT = Path(__file__).resolve().parent.parent
APPENDICES = ROOT / "appendices"
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
#: The appendices that carry exercises of their own, in the order of the table of contents.
EXERCISE_APPENDICES = [APPENDICES / f"{name}.ipynb" for name in
                       ("notation", "errata", "keras2_to_keras3")]
PAGES_WITH_EXERCISES = CHAPTERS + EXERCISE_APPENDICES


def markdown(path):
    if path.suffix == ".md":
        return path.read_text()
    cells = json.loads(path.read_text())["cells"]
    return "\n\n".join(source(c) for c in cells if c["cell_type"] == "markdown")


def exercise_labels(path):
    return re.findall(r"```\{exercise\}[^\n]*\n:label: (\S+)", markdown(path))


def test_every_appendix_is_in_the_toc():
    listed = {f for f in toc_files() if f.startswith("appendices/")}
    on_disk = {f"appendices/{p.stem}" for p in APPENDICES.glob("*")
               if p.suffix in (".md", ".ipynb")}
    assert listed == on_disk


def test_every_exercise_is_in_the_index():
    index = (APPENDICES / "exercises.md").read_text()
    linked = set(re.findall(r"\{ref\}`[^`<]*<([^>]+)>`", index))
    labels = [label for path in PAGES_WITH_EXERCISES for label in exercise_labels(path)]
    assert labels, "no exercise found in chapters/ or appendices/"
    missing = [label for label in labels if label not in linked]
    assert not missing, f"exercises missing from appendices/exercises.md: {missing}"
    stale = linked - set(labels)
    assert not stale, f"the index links exercises that no page has: {stale}"


def test_each_exercise_appendix_has_three_exercises_with_solutions():
    for path in EXERCISE_APPENDICES:
        labels = exercise_labels(path)
        assert len(labels) >= 3, f"{path.name} has {len(labels)} exercises"
        text = markdown(path)
        for label in labels:
            assert f"```{{solution-start}} {label}" in text, f"{label} has no solution"


def test_the_index_groups_exercises_under_their_page():
    index = (APPENDICES / "exercises.md").read_text()
    for path in PAGES_WITH_EXERCISES:
        chapter_label = re.match(r"\((\S+)\)=", markdown(path)).group(1)
        heading = f"## {{ref}}`{chapter_label}`"
        assert heading in index, f"no heading for {path.name}"
        section = index.split(heading, 1)[1].split("\n## ", 1)[0]
        for label in exercise_labels(path):
            assert f"<{label}>" in section, f"{label} is not under {chapter_label}"


def glossary_terms():
    text = (APPENDICES / "glossary.md").read_text()
    body = text.split("```{glossary}", 1)[1].split("\n```", 1)[0]
    return {line.strip().lower() for line in body.splitlines() if line and not line[0].isspace()}


def test_every_term_role_names_a_glossary_term():
    terms = glossary_terms()
    used = set()
    for path in [*CHAPTERS, *APPENDICES.glob("*.ipynb"), *APPENDICES.glob("*.md")]:
        for match in re.findall(r"\{term\}`([^`]+)`", markdown(path)):
            target = re.search(r"<([^>]+)>$", match)
            used.add((target.group(1) if target else match).strip().lower())
    assert used, "no chapter links the glossary"
    assert used <= terms, f"{{term}} roles without a glossary entry: {used - terms}"


def test_every_erratum_link_has_its_label():
    pages = [*CHAPTERS, *sorted(APPENDICES.glob("*.ipynb")), *sorted(APPENDICES.glob("*.md"))]
    wanted, defined = set(), set()
    for path in pages:
        wanted |= set(re.findall(r"<(erratum-[^>]+)>", markdown(path)))
        defined |= set(re.findall(r"^\((erratum-[^)]+)\)=$", markdown(path), flags=re.M))
    assert {"erratum-sparsemax", "erratum-reuters-docstring"} <= defined
    assert wanted <= defined, f"missing labels: {wanted - defined}"


def rendered_tables(path):
    """The Markdown the page's cells displayed (the claims tables), as stored."""
    cells = json.loads(path.read_text())["cells"]
    return "\n".join("".join(output.get("data", {}).get("text/markdown", ""))
                     for cell in cells if cell["cell_type"] == "code"
                     for output in cell["outputs"])


def where_shown(claim):
    if claim.demonstrated_by.endswith(".ipynb"):
        return f"<{claim.label}>"
    return f"`{claim.demonstrated_by}`"


def test_the_errata_list_every_wrong_partly_or_outdated_claim_with_its_demonstration():
    from rnnbook import claims

    tables = rendered_tables(APPENDICES / "errata.ipynb")
    errata = claims.select(verdicts=("wrong", "partly", "outdated"))
    assert errata
    missing = [c.id for c in errata if where_shown(c) not in tables]
    assert not missing, f"re-execute appendices/errata.ipynb: it does not list {missing}"


def test_the_migration_notes_list_every_outdated_claim():
    from rnnbook import claims

    tables = rendered_tables(APPENDICES / "keras2_to_keras3.ipynb")
    missing = [c.id for c in claims.select(verdicts=("outdated",)) if where_shown(c) not in tables]
    assert not missing, f"re-execute appendices/keras2_to_keras3.ipynb: it does not list {missing}"
