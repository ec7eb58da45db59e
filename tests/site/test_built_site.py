"""Checks of the built website's files: offline, accessible, linked, light. No browser needed."""

import re
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from conftest import ROOT

PAGE_BUDGET = 1.5 * 1024 * 1024  # bytes: a page's HTML and the images it embeds
BUILD_BUDGET = 60  # seconds, for the build with stored outputs


class Page(HTMLParser):
    """The loads (src, stylesheet href), links, image alt texts and ids of one page."""

    def __init__(self, path):
        super().__init__()
        self.loads, self.links, self.images, self.ids = [], [], [], set()
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag in ("script", "img", "iframe", "source", "audio", "video") and attrs.get("src"):
            self.loads.append(attrs["src"])
        if tag == "link" and attrs.get("href") and attrs.get("rel") not in ("canonical",):
            self.loads.append(attrs["href"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "img":
            self.images.append(attrs)


def pages(site):
    return sorted(p for p in site.rglob("*.html")
                  if not {"_static", "_sources", "_images"} & set(p.relative_to(site).parts))


def test_there_are_pages(site):
    names = {p.relative_to(site).as_posix() for p in pages(site)}
    assert {"intro.html", "run.html", "search.html"} <= names


def test_nothing_is_loaded_from_outside_the_site(site):
    outside = {}
    for path in pages(site):
        remote = [u for u in Page(path).loads if re.match(r"^(https?:)?//", u)]
        if remote:
            outside[path.name] = remote
    assert not outside


def test_mathjax_is_served_by_the_site(site):
    mathjax = site / "_static" / "mathjax"
    for component in ("startup.js", "core.js", "input/tex.js", "output/chtml.js",
                      "a11y/assistive-mml.js", "input/tex/extensions/textmacros.js"):
        assert (mathjax / component).exists(), component
    assert list((mathjax / "output" / "chtml" / "fonts").rglob("*.woff"))
    chapter = (site / "chapters" / "00_how_this_book_checks_itself.html").read_text()
    assert "_static/mathjax/startup.js" in chapter and "textmacros" in chapter


def test_every_image_has_alt_text(site):
    missing = [f"{p.name}: {img.get('src')}" for p in pages(site) for img in Page(p).images
               if not (img.get("alt") or "").strip()]
    assert not missing


def test_internal_links_resolve(site):
    broken, parsed = [], {}
    for path in pages(site):
        for href in Page(path).links:
            parts = urlsplit(href)
            if parts.scheme or href.startswith(("mailto:", "javascript:")):
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{path.name}: {href}")
            elif parts.fragment and target.suffix == ".html":
                ids = parsed.setdefault(target, Page(target).ids)
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{path.name}: {href} (no such anchor)")
    assert not broken


@pytest.mark.parametrize("name", ["intro.html", "chapters/00_how_this_book_checks_itself.html"])
def test_key_pages_exist(site, name):
    assert (site / name).exists()


def test_each_page_is_light(site):
    heavy = {}
    for path in pages(site):
        size = path.stat().st_size
        for img in Page(path).images:
            src = img.get("src", "")
            if src and not src.startswith("data:") and "_static" not in src:
                image = (path.parent / unquote(src)).resolve()
                size += image.stat().st_size if image.exists() else 0
        if size > PAGE_BUDGET:
            heavy[path.name] = size
    assert not heavy, f"pages over {PAGE_BUDGET} bytes: {heavy}"


def test_download_and_launch_buttons(site):
    chapter = (site / "chapters" / "00_how_this_book_checks_itself.html").read_text()
    assert "_sources/chapters/00_how_this_book_checks_itself.ipynb" in chapter
    url = (yaml.safe_load((ROOT / "_config.yml").read_text()).get("repository") or {}).get("url")
    if url:
        assert url in chapter and "colab.research.google.com" in chapter
    else:  # no repository set: nothing may point at one
        for path in pages(site):
            html = path.read_text()
            assert "colab.research.google.com" not in html, path.name
            assert "repository-button" not in html and "launch-buttons" not in html, path.name
            assert "recurrent-networks-verified/book" not in html, path.name  # the old one
            assert "git clone" not in html, path.name


def test_the_book_can_be_taken_away(site):
    import zipfile

    run = (site / "run.html").read_text()
    archive = site / "downloads" / "recurrent-networks-verified.zip"
    wheels = list((site / "downloads").glob("rnnbook-*-py3-none-any.whl"))
    assert archive.exists() and len(wheels) == 1
    assert 'href="downloads/recurrent-networks-verified.zip"' in run
    assert f'href="downloads/{wheels[0].name}"' in run
    names = zipfile.ZipFile(archive).namelist()
    folder = "recurrent-networks-verified/"
    for needed in ("Makefile", "README.md", "pyproject.toml", "requirements.txt",
                   "locks/py311.txt", "chapters/00_how_this_book_checks_itself.ipynb",
                   "lib/rnnbook/reference.py", "data/adding_problem.json",
                   f"wheels/{wheels[0].name}"):
        assert folder + needed in names, needed
    inside = zipfile.ZipFile(wheels[0]).namelist()
    assert "rnnbook/_data/adding_problem.json" in inside
    assert any(n.startswith("rnnbook/ledger/") and n.endswith(".toml") for n in inside)


def test_every_page_has_a_description_an_icon_and_a_footer(site):
    for path in pages(site):
        html = path.read_text()
        if 'http-equiv="refresh"' in html.lower():
            continue
        assert '<meta name="description" content="' in html, path.name
        assert re.search(r'<link rel="icon" href="[^"]*favicon\.svg"', html), path.name
        if path.name not in ("genindex.html", "search.html"):  # no page footer there
            assert re.search(r'<a href="[^"]*genindex\.html">Index</a>', html), path.name
        assert "The Recurrent Networks, Verified authors" not in html, path.name
        assert "fullscreen-button" not in html, path.name


def test_the_chapters_are_numbered_as_their_files(site):
    intro = (site / "intro.html").read_text()
    for number, stem in [(1, "01_recurrent_loop"), (7, "07_articles_experiments")]:
        chapter = (site / "chapters" / f"{stem}.html").read_text()
        assert f'<h1><span class="section-number">{number}. </span>' in chapter, stem
    chapter00 = (site / "chapters" / "00_how_this_book_checks_itself.html").read_text()
    assert '<h1><span class="section-number">' not in chapter00 + intro  # the preface


def cpu_seconds(times_output):
    """User plus system seconds of the shell's children, from bash's ``times``: its second
    line ("0m18.838s 0m1.049s")."""
    total = 0.0
    children = times_output.strip().splitlines()[-1]
    for minutes, seconds in re.findall(r"(\d+)m([\d.]+)s", children):
        total += 60 * int(minutes) + float(seconds)
    return total


def test_build_time(site):
    """The build's processor time (user and system, its own processes only): on a machine
    others share, its wall-clock time says more about them than about the build."""
    folder = site.parent.parent
    if not (folder / "build-cpu-times").exists():
        pytest.skip("no build timing recorded: `make build-check` writes it")
    cpu = cpu_seconds((folder / "build-cpu-times").read_text())
    wall = (folder / "build-seconds").read_text().strip()
    print(f"build: {cpu:.0f} s of processor time, {wall} s on the clock")
    assert 0 < cpu < BUILD_BUDGET
