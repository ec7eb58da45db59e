"""tools/book_site.py: the repository setting decides every repository link; author-year
labels in the bibliography."""

from types import SimpleNamespace

import pytest
from pybtex.database import parse_string
from test_notebooks import load_tool

book_site = load_tool("book_site")


def config(url, **options):
    return SimpleNamespace(html_theme_options={
        "repository_url": url, "launch_buttons": {"colab_url": "https://colab.example"},
        **options})


def test_no_repository_no_repository_or_launch_button():
    unset = config("")
    book_site.configure_buttons(None, unset)
    options = unset.html_theme_options
    assert "repository_url" not in options and options["launch_buttons"] == {}
    assert not any(options[b] for b in book_site.REPOSITORY_BUTTONS)
    assert options["use_fullscreen_button"] is False


def test_a_repository_turns_its_button_and_the_launch_buttons_on():
    given = config("https://github.com/someone/book/")
    book_site.configure_buttons(None, given)
    options = given.html_theme_options
    assert options["repository_url"] == "https://github.com/someone/book"
    assert options["use_repository_button"] is True
    assert options["launch_buttons"] == {"colab_url": "https://colab.example"}


BIB = r"""
@article{a, author = {Gers, Felix A. and Schmidhuber, J{\"u}rgen and Cummins, Fred},
  title = {x}, year = {2000}}
@article{b, author = {Cho, Kyunghyun and van Merri{\"e}nboer, Bart}, title = {y}, year = {2014}}
@misc{c, author = {Chollet, Fran{\c{c}}ois and others}, title = {Keras}, year = {2015}}
@misc{d, author = {Elman, Jeffrey}, title = {z}, year = {1990}}
@misc{e, author = {Elman, Jeffrey}, title = {w}, year = {1990}}
"""


def test_bibliography_labels_are_author_and_year():
    style = book_site.author_year_style()()
    entries = parse_string(BIB, "bibtex").entries
    labels = list(style.format_labels(entries.values()))
    assert labels == ["Gers et al., 2000", "Cho and van Merriënboer, 2014", "Chollet et al., 2015",
                      "Elman, 1990a", "Elman, 1990b"]


def test_the_text_cites_and_others_as_et_al_like_the_labels():
    style = book_site.citation_style()()
    authors = style.person.author_or_editor_or_title(full=False)
    cited = [authors.format_data({"entry": entry, "style": style}).render_as("text")
             for entry in parse_string(BIB, "bibtex").entries.values()]
    assert cited == ["Gers et al.", "Cho and van Merriënboer", "Chollet et al.", "Elman",
                     "Elman"]


@pytest.mark.parametrize("text", ["archive", "wheel"])
def test_download_role_names_the_file_outside_an_html_build(text):
    env = SimpleNamespace(docname="run")
    inliner = SimpleNamespace(document=SimpleNamespace(settings=SimpleNamespace(env=env)))
    nodes, messages = book_site.download_role("book-download", "", text, 1, inliner)
    assert nodes[0].astext() == text and not messages


def claims_like_table(header):
    from docutils import nodes

    row = nodes.row("", *[nodes.entry("", nodes.paragraph(text=h)) for h in header])
    return nodes.table("", nodes.tgroup("", nodes.thead("", row)))


def test_claims_tables_and_only_they_are_marked_to_wrap():
    from docutils import nodes

    claims = claims_like_table(["source", "says", "verdict", "the book's finding",
                                "demonstrated"])
    other = claims_like_table(["source", "says", "verdict"])
    doctree = nodes.document(None, None)
    doctree += [claims, other]
    book_site.mark_claims_tables(None, doctree, "x")
    assert claims["classes"] == [book_site.CLAIMS_CLASS] and other["classes"] == []
