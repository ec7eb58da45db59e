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
    assert (site / "_static" / "mathjax" / "tex-chtml.js").exists()
    assert list((site / "_static" / "mathjax" / "output" / "chtml" / "fonts").rglob("*.woff"))


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
    repository = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    owner_and_name = repository["url"].removeprefix("https://github.com/")
    assert (f"https://colab.research.google.com/github/{owner_and_name}/blob/"
            f"{repository['branch']}/chapters/00_how_this_book_checks_itself.ipynb") in chapter


def test_build_time(site):
    timing = site.parent.parent / "build-seconds"
    if not timing.exists():
        pytest.skip("no build timing recorded: `make build-check` writes it")
    assert float(timing.read_text()) < BUILD_BUDGET
