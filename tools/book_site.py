"""The book's Sphinx extension: the repository setting, the downloads, the page head and footer.

- **One repository setting.** ``repository.url`` in ``_config.yml`` (Sphinx's
  ``html_theme_options["repository_url"]``) is the only place the book's address is written.
  When it is set, the pages get the theme's repository and Colab buttons and
  ``{book-repository}`` (on "Run it yourself") shows the ``git clone`` line. When it is empty,
  none of these appears: no link points at a repository that is not there.
- **The book to take away.** The build makes the archive of the book's sources and the
  library's wheel (tools/book_archive.py) and puts them in ``downloads/`` of the site;
  ``{book-download}`archive``` and ``{book-download}`wheel``` link them with their size.
- **Author-year labels.** The bibliography labels its entries as the text cites them
  ("Gers et al., 2000", not "[GSC00]"): the pybtex style ``rnnbook_author_year``; and the
  text cites BibTeX's ``and others`` as "et al." ("Chollet et al. [2015]", not "Chollet and
  others"): the citation style ``rnnbook_author_year``.
- **Claims tables fit the column.** A table with the claims tables' header (rnnbook.claims)
  gets the class ``rnnbook-claims``, whose cells may break a long dotted name or path
  anywhere (``_static/readers.css``), however the stored chapter wrote it.
- **Head and footer.** A meta description on every page; a footer linking the general index
  and the book's sources; no fullscreen button (it does nothing useful on a phone).
"""

import shutil
import sys
from html import escape
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.util import logging

sys.path.insert(0, str(Path(__file__).resolve().parent))
import book_archive  # noqa: E402  (tools/ is not a package)

LOGGER = logging.getLogger(__name__)
DOWNLOADS = "downloads"
DESCRIPTION = ("Recurrent neural networks (RNN, LSTM, GRU) in Keras 3, every equation run in "
               "NumPy and checked against Keras, every claim tested.")
REPOSITORY_BUTTONS = ("use_repository_button", "use_issues_button", "use_edit_page_button")


def repository_url(config):
    """The book's repository address from ``_config.yml``, or ``""`` when it is not set."""
    return (config.html_theme_options.get("repository_url") or "").strip().rstrip("/")


def configure_buttons(app, config):
    options = config.html_theme_options
    options["use_fullscreen_button"] = False
    options.setdefault("logo", {"text": getattr(config, "html_title", "") or "",
                                "alt_text": "Home"})
    if repository_url(config):
        options["repository_url"] = repository_url(config)
        options.setdefault("use_repository_button", True)
        return
    options.pop("repository_url", None)
    for button in REPOSITORY_BUTTONS:
        options[button] = False
    options["launch_buttons"] = {}  # a launch button opens the notebook from the repository


def build_downloads(app):
    """Make the archive and the wheel once per build, into the site's ``downloads/``."""
    if app.builder.format != "html":
        return
    target = Path(app.outdir) / DOWNLOADS
    shutil.rmtree(target, ignore_errors=True)
    archive, wheel = book_archive.build(target, Path(app.srcdir))
    app.env.book_downloads = {"archive": archive, "wheel": wheel}


def _size(path):
    size = path.stat().st_size
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"


def download_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{book-download}`archive``` or ``wheel``: a link to that file, its name and size."""
    env = inliner.document.settings.env
    built = getattr(env, "book_downloads", None) or {}
    if text not in ("archive", "wheel"):
        message = inliner.reporter.error(f"book-download takes 'archive' or 'wheel', not {text!r}",
                                         line=lineno)
        return [inliner.problematic(rawtext, rawtext, message)], [message]
    if text not in built:  # not an HTML build: name the file, link nothing
        return [nodes.literal(text=text)], []
    path = built[text]
    depth = env.docname.count("/")
    uri = "../" * depth + f"{DOWNLOADS}/{path.name}"
    link = nodes.reference("", "", nodes.literal(text=path.name), refuri=uri)
    return [link, nodes.Text(f" ({_size(path)})")], []


class RepositoryDirective(Directive):
    """The ``git clone`` lines for the book's repository; nothing when it is not set."""

    has_content = False

    def run(self):
        url = repository_url(self.state.document.settings.env.config)
        if not url:
            return []
        folder = url.rsplit("/", 1)[-1].removesuffix(".git")
        intro = nodes.paragraph(text="Or clone the book's repository:")
        block = nodes.literal_block(text=f"git clone {url}.git\ncd {folder}", language="bash")
        return [intro, block]


#: The header of rnnbook.claims.table, as the page shows it (typographic apostrophe).
CLAIMS_HEADER = ("source", "says", "verdict", "the book\u2019s finding", "demonstrated")
CLAIMS_CLASS = "rnnbook-claims"


def mark_claims_tables(app, doctree, docname):
    """Give every claims table the class that lets its cells wrap anywhere."""
    for table in doctree.findall(nodes.table):
        head = next(table.findall(nodes.thead), None)
        row = next(head.findall(nodes.row), None) if head is not None else None
        if row is not None and tuple(
                entry.astext().strip().replace("'", "\u2019") for entry in row.children
        ) == CLAIMS_HEADER:
            table["classes"].append(CLAIMS_CLASS)


def page_head_and_footer(app, pagename, templatename, context, doctree):
    title = context.get("title") or ""
    about = f"{title}: {DESCRIPTION}" if title and pagename != "intro" else DESCRIPTION
    context["metatags"] = (context.get("metatags", "")
                           + f'\n<meta name="description" content="{escape(about)}" />')
    pathto = context["pathto"]
    context["theme_extra_footer"] = (
        f'<p><a href="{pathto("genindex")}">Index</a> · '
        f'<a href="{pathto("run")}">Run it yourself: the book\'s sources</a></p>')


def author_year_style():
    """A pybtex formatting style: pybtex's ``plain``, labelled "Author, year" (two authors:
    "A and B"; more: "A et al."), with a, b, ... where two entries would share a label."""
    from pybtex.richtext import Text
    from pybtex.style.formatting.plain import Style
    from pybtex.style.labels import BaseLabelStyle

    def surname(person):
        return Text.from_latex(" ".join(person.prelast_names + person.last_names)).render_as(
            "text")

    class Labels(BaseLabelStyle):
        def format_labels(self, sorted_entries):
            labels = []
            for entry in sorted_entries:
                people = entry.persons.get("author") or entry.persons.get("editor") or []
                names = [surname(p) for p in people]
                many = len(names) > 2 or "others" in names  # bibtex's "and others"
                who = (f"{names[0]} et al." if many else " and ".join(names) if names
                       else entry.key)
                labels.append(f"{who}, {entry.fields.get('year', 'n.d.')}")
            for label in set(labels):
                if labels.count(label) > 1:
                    suffixes = iter("abcdefghijklmnopqrstuvwxyz")
                    labels = [f"{x}{next(suffixes)}" if x == label else x for x in labels]
            yield from labels

    class AuthorYear(Style):
        default_label_style = Labels

    return AuthorYear


def _is_others(person):
    """BibTeX's ``and others``: a person whose only name is "others"."""
    return not person.first_names and " ".join(person.last_names) == "others"


def citation_style():
    """sphinxcontrib-bibtex's ``author_year`` citations, with BibTeX's ``and others`` cited
    as "et al." (sphinxcontrib-bibtex formats "others" as a surname: "Chollet and others").
    """
    from dataclasses import dataclass, field

    from pybtex.richtext import Tag, Text
    from pybtex.style.template import FieldIsMissing, first_of, node, optional, tag
    from pybtex.style.template import field as entry_field
    from sphinxcontrib.bibtex.style.referencing import PersonStyle
    from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle
    from sphinxcontrib.bibtex.style.template import join

    @node
    def names(children, data, role, **kwargs):
        try:
            persons = data["entry"].persons[role]
        except KeyError:
            raise FieldIsMissing(role, data["entry"]) from None
        person = data["style"].person
        others = bool(persons) and _is_others(persons[-1])
        formatted = [person.style_plugin.format(p, person.abbreviate)
                     for p in persons if not _is_others(p)]
        if others and len(formatted) <= 2:  # more are shortened by `other` anyway
            first = join(**kwargs)[formatted[:1]].format_data(data)
            return Text(first, " ", Tag("em", "et al."))
        return join(**kwargs)[formatted].format_data(data)

    @dataclass
    class Persons(PersonStyle):
        def names(self, role, full):
            return names(role=role, sep=self.sep, sep2=self.sep2, last_sep=self.last_sep,
                         other=None if full else self.other)

        def author_or_editor_or_title(self, full):
            return first_of[optional[self.names("author", full)],
                            optional[self.names("editor", full)],
                            tag("em")[entry_field("title")]]

    @dataclass
    class Citations(AuthorYearReferenceStyle):
        person: PersonStyle = field(default_factory=Persons)

    return Citations


def setup(app):
    import pybtex.plugin
    import sphinxcontrib.bibtex.plugin

    pybtex.plugin.register_plugin("pybtex.style.formatting", "rnnbook_author_year",
                                  author_year_style())
    sphinxcontrib.bibtex.plugin.register_plugin("sphinxcontrib.bibtex.style.referencing",
                                                "rnnbook_author_year", citation_style())
    app.connect("config-inited", configure_buttons)
    app.connect("builder-inited", build_downloads)
    app.connect("html-page-context", page_head_and_footer)
    app.connect("doctree-resolved", mark_claims_tables)
    app.add_role("book-download", download_role)
    app.add_directive("book-repository", RepositoryDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
