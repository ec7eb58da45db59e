"""The reference appendices: listed in the TOC, the exercise index complete, the glossary's
terms defined, every erratum link resolvable. (Their notebooks are held to the chapters'
rules by tests/test_notebooks.py.)"""

import json
import re
from pathlib import Path

from test_notebooks import source, toc_files

ROOT = Path(__file__).resolve().parent.parent
APPENDICES = ROOT / "appendices"
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


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
    labels = [label for path in CHAPTERS for label in exercise_labels(path)]
    assert labels, "no exercise found in chapters/"
    missing = [label for label in labels if label not in linked]
    assert not missing, f"exercises missing from appendices/exercises.md: {missing}"
    stale = linked - set(labels)
    assert not stale, f"the index links exercises that no chapter has: {stale}"


def test_the_index_groups_exercises_under_their_chapter():
    index = (APPENDICES / "exercises.md").read_text()
    for path in CHAPTERS:
        chapter_label = re.match(r"\((\S+)\)=", markdown(path)).group(1)
        # a plain heading (the page's contents list shows it), the link under it
        link = f"On its page: {{ref}}`{chapter_label}`."
        sections = [s for s in index.split("\n## ") if link in s.split("\n\n", 2)[1]]
        assert len(sections) == 1, f"no heading for {path.name}"
        section = sections[0]
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
    errata = markdown(APPENDICES / "errata.ipynb")
    wanted = set(re.findall(r"<(erratum-[^>]+)>", errata))
    defined = set()
    for path in [*CHAPTERS, *sorted(APPENDICES.glob("*.ipynb"))]:
        defined |= set(re.findall(r"^\((erratum-[^)]+)\)=$", markdown(path), flags=re.M))
    assert wanted and wanted <= defined, f"missing labels: {wanted - defined}"
