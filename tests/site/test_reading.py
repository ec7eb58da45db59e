"""Reading the book on a phone, a tablet and a laptop, in light and dark: what a reader clicks
and sees. Navigation opens and closes; formulas and tables fit the text column, and nothing
makes a phone's page scroll sideways; formulas stay out of the keyboard's way; figures stay
legible on a phone; a chapter's first load is light.

Pages whose content is being rewritten are listed in ``KNOWN`` with what they still do
wrong; a listed page that no longer does it fails too, so the list only shrinks.
"""

import pytest
from test_browser import WAIT_FOR_MATHJAX, chapter_pages, page_names

CHAPTER = "chapters/03_why_rnns_forget.html"
#: A chapter's first load: every byte the page fetches until the network is idle.
FIRST_LOAD_BUDGET = 1.5e6
#: A figure shown at less than this share of its own size is too small to read on a phone
#: (its text falls below about 7 px): draw it narrower or stack its panels (rnnbook.plots).
MIN_FIGURE_SCALE = 0.5

#: Offenders in the stored chapters, by check and page. They go when the chapters are
#: re-executed with the current library (explorer views, figure style) or rewritten.
_STORED_GRIDS = "explorer views stored uncompressed: re-execute with the current rnnbook.explorer"
#: How an explorer's views look in a page when stored by the explorer before compression.
UNCOMPRESSED_VIEWS = 'class="rnnbook-explorer-data">{"views":['

KNOWN = {
    "formula": {},
    "too_wide": {},
    "sideways": {},
    "heavy": {f"chapters/{name}.html": _STORED_GRIDS for name in (
        "00_how_this_book_checks_itself", "01_recurrent_loop", "02_input_shapes",
        "03_why_rnns_forget", "04_lstm", "05_gru", "06_counting_parameters")},
    "small_figure": {},
}


def known(check, page):
    return KNOWN[check].get(page)


# ---- navigation ---------------------------------------------------------------------------

def visible_in_viewport(page, selector):
    return page.evaluate("""s => { const e = document.querySelector(s); if (!e) return false;
        const r = e.getBoundingClientRect(), st = getComputedStyle(e);
        return st.visibility !== 'hidden' && st.display !== 'none' && r.width > 0
            && r.right > 0 && r.left < window.innerWidth; }""", selector)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("screen", ["phone", "tablet"])
def test_the_menu_opens_the_table_of_contents(open_page, screen, scheme):
    page, problems = open_page(CHAPTER, screen, scheme)
    assert page.evaluate("document.documentElement.dataset.theme") == scheme
    sidebar = ".bd-sidebar-primary"
    assert not visible_in_viewport(page, sidebar), "the drawer starts closed"
    page.locator(".primary-toggle:visible").first.click()
    page.wait_for_function(f"""() => {{ const r = document.querySelector('{sidebar}')
        .getBoundingClientRect(); return r.left >= 0 && r.width > 200; }}""", timeout=5000)
    chapter_link = page.locator(f"{sidebar} a.reference", has_text="The recurrent loop").first
    assert chapter_link.is_visible()
    box = chapter_link.bounding_box()
    assert 0 <= box["x"] < page.viewport_size["width"]
    chapter_link.click()  # the reader goes where the link says
    page.wait_for_url("**/01_recurrent_loop.html")
    problems.assert_none()


@pytest.mark.parametrize("screen", ["phone", "tablet"])
def test_the_contents_button_opens_the_pages_own_headings(open_page, screen):
    page, problems = open_page(CHAPTER, screen)
    page.locator(".secondary-toggle:visible").first.click()
    page.wait_for_function("""() => { const r = document.querySelector('.bd-sidebar-secondary')
        .getBoundingClientRect(); return r.right <= window.innerWidth + 1 && r.width > 200; }""",
                           timeout=5000)
    assert page.locator(".bd-sidebar-secondary a", has_text="The adding problem").first.is_visible()
    problems.assert_none()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_on_a_laptop_the_sidebar_collapses_and_no_top_bar_is_empty(open_page, scheme):
    page, problems = open_page(CHAPTER, "desktop", scheme)
    sidebar = ".bd-sidebar-primary"
    assert visible_in_viewport(page, sidebar)
    page.locator(".primary-toggle:visible").first.click()
    page.wait_for_function(f"""() => {{ const e = document.querySelector('{sidebar}');
        return e.getBoundingClientRect().width === 0 || getComputedStyle(e).visibility
        === 'hidden' || e.getBoundingClientRect().right <= 0; }}""", timeout=5000)
    page.locator(".primary-toggle:visible").first.click()
    page.wait_for_function(f"() => document.querySelector('{sidebar}').getBoundingClientRect()"
                           ".width > 200", timeout=5000)
    bars = page.evaluate("""() => Array.from(document.querySelectorAll(
        'header, .bd-header, #pst-header, .bd-header-article')).filter(e =>
        e.getBoundingClientRect().height > 8 && getComputedStyle(e).display !== 'none')
        .map(e => [e.className, Array.from(e.querySelectorAll('a, button')).filter(b =>
        b.getBoundingClientRect().width > 0).map(b => b.getAttribute('aria-label') ||
        b.title || b.className)])""")
    for name, controls in bars:
        assert any("search" not in str(c).lower() for c in controls), f"an empty bar: {name}"
    problems.assert_none()


def test_the_header_offers_only_what_works(open_page):
    page, problems = open_page(CHAPTER, "phone")
    labels = page.evaluate("""() => Array.from(document.querySelectorAll(
        '.bd-header-article button, .bd-header-article a')).filter(b =>
        b.getBoundingClientRect().width > 0).map(b => b.getAttribute('aria-label')
        || b.title || '')""")
    assert not any("ullscreen" in label for label in labels), labels
    assert len(labels) <= 5, labels
    problems.assert_none()


# ---- formulas and tables --------------------------------------------------------------------

def math_pages(site):
    return [n for n in page_names(site) if 'class="math' in (site / n).read_text()]


def reading_pages(site):
    """The pages with content (not index.html, which forwards to the first page)."""
    return [n for n in page_names(site)
            if 'http-equiv="refresh"' not in (site / n).read_text().lower()]


def test_formulas_have_no_raw_tex_no_errors_and_no_tab_stops(site, open_page):
    offenders = {}
    for name in math_pages(site):
        page, problems = open_page(name)
        page.evaluate(WAIT_FOR_MATHJAX)
        found = page.evaluate(r"""() => ({
            backslash: Array.from(document.querySelectorAll('mjx-container')).map(e =>
                (e.querySelector('mjx-assistive-mml') || e).textContent)
                .filter(t => t.includes('\\')).slice(0, 3),
            errors: Array.from(document.querySelectorAll('mjx-merror')).map(e =>
                e.getAttribute('data-mjx-error')),
            assistive: document.querySelectorAll('mjx-assistive-mml').length,
            formulas: document.querySelectorAll('mjx-container').length,
            tabstops: document.querySelectorAll('mjx-container[tabindex]:not([tabindex="-1"])')
                .length })""")
        assert found["tabstops"] == 0, f"{name}: formulas in the keyboard's tab order"
        assert found["assistive"] == found["formulas"], f"{name}: no MathML for screen readers"
        wrong = [f"raw TeX: {t[:40]}" for t in found["backslash"]] + [
            f"MathJax error: {e}" for e in found["errors"]]
        if wrong:
            offenders[name] = wrong
        problems.assert_none()
    check_against_known("formula", offenders)


WIDE = """() => { const column = document.querySelector('article.bd-article');
    const limit = column.getBoundingClientRect().width + 1;
    const wide = [];
    column.querySelectorAll('table').forEach(t => { const w = t.scrollWidth;
        if (w > limit) wide.push(`table ${Math.round(w)} px: ` +
            t.textContent.trim().slice(0, 40).replace(/\\s+/g, ' ')); });
    column.querySelectorAll('mjx-container[display="true"] > mjx-math').forEach(m => {
        const w = m.getBoundingClientRect().width; if (w > limit) wide.push(
        `equation ${Math.round(w)} px: ` + (m.parentElement.querySelector('mjx-assistive-mml')
        || m).textContent.slice(0, 40)); });
    return {column: Math.round(limit - 1), wide: wide}; }"""


def test_no_table_or_equation_is_wider_than_the_text_column(site, open_page):
    offenders = {}
    for name in reading_pages(site):
        page, _ = open_page(name, "desktop")
        page.evaluate(WAIT_FOR_MATHJAX)
        if not page.locator("article.bd-article").count():
            continue
        found = page.evaluate(WIDE)
        if found["wide"]:
            offenders[name] = found["wide"]
    check_against_known("too_wide", offenders)


def test_nothing_makes_a_phone_scroll_sideways(site, open_page):
    offenders = {}
    for name in reading_pages(site):
        page, _ = open_page(name, "phone")
        page.evaluate(WAIT_FOR_MATHJAX)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > 391:
            offenders[name] = [f"page {width} px wide"]
    check_against_known("sideways", offenders)


def check_against_known(check, offenders, passing=None, listed=None):
    """No offender beyond KNOWN, and no KNOWN page that passes (``passing``: the pages
    that pass clearly, where a measure varies from load to load; ``listed``: the part of
    KNOWN[check] that still applies to this build)."""
    listed = KNOWN[check] if listed is None else listed
    new = {p: w for p, w in offenders.items() if p not in listed}
    fixed = [p for p in listed if p not in offenders
             and (passing is None or p in passing)]
    assert not new, f"{check}: {new}"
    assert not fixed, f"{check}: fixed now, remove from KNOWN: {fixed}"


# ---- figures and weight --------------------------------------------------------------------

def test_figures_stay_legible_on_a_phone(site, open_page):
    offenders = {}
    for name in chapter_pages(site) + [n for n in page_names(site) if "appendices/" in n]:
        page, _ = open_page(name, "phone")
        scales = page.evaluate("""async () => { const out = [];
            for (const img of document.querySelectorAll('article img')) {
                img.loading = 'eager'; await img.decode().catch(() => null);
                // its own size: as stored (a 2x PNG's width is half its pixels), else natural
                const own = parseFloat(img.style.width) || +img.getAttribute('width')
                    || img.naturalWidth;
                const box = img.getBoundingClientRect();
                if (own) out.push([img.getAttribute('alt').slice(0, 40), box.width / own,
                    Math.abs(box.height / box.width - img.naturalHeight / img.naturalWidth)]);
            }
            return out; }""")
        assert all(skew < 0.02 for _, _, skew in scales), f"{name}: a figure out of shape"
        small = [f"{alt}: shown at {scale:.2f}" for alt, scale, _ in scales
                 if scale < MIN_FIGURE_SCALE]
        if small:
            offenders[name] = small
    check_against_known("small_figure", offenders)


def test_a_chapters_first_load_is_light(site, open_page):
    offenders, weights = {}, {}
    for name in chapter_pages(site):
        page, problems = open_page(name, "desktop", wait_until="networkidle")
        page.evaluate(WAIT_FOR_MATHJAX)
        page.wait_for_load_state("networkidle")
        # images below the first screen load as they come into view (loading="lazy"); the
        # browser may start some early, depending on when the formulas settle: left out
        later = set(page.evaluate("""() => Array.from(document.querySelectorAll(
            'img[loading="lazy"]')).filter(i => i.getBoundingClientRect().top
            > window.innerHeight).map(i => i.src)"""))
        # what the server sent, and what the browser says it received (Resource Timing): a
        # response event can be missed under load, the page's own document among them
        timed = page.evaluate("""() => performance.getEntriesByType('navigation')
            .concat(performance.getEntriesByType('resource'))
            .map(e => [e.name, e.decodedBodySize])""")
        sizes = dict(problems.sizes)
        for url, size in timed:
            sizes[url] = max(sizes.get(url, 0), size)
        sizes = {url: size for url, size in sizes.items() if url not in later}
        total = sum(sizes.values())
        weights[name] = total
        if total > FIRST_LOAD_BUDGET:
            biggest = sorted(sizes.items(), key=lambda kv: -kv[1])[:3]
            offenders[name] = [f"{total / 1e6:.2f} MB; largest: " + ", ".join(
                f"{url.rsplit('/', 1)[-1][:40]} {size / 1e3:.0f} kB" for url, size in biggest)]
        problems.assert_none()
    print("first loads (MB):", {k: round(v / 1e6, 2) for k, v in weights.items()})
    # a page's weight varies by a few kB with what loads before the network is idle
    # a chapter is excused only while its stored explorer views are uncompressed: once it
    # is re-executed with the current rnnbook.explorer it must be under the budget
    stored = {p: why for p, why in KNOWN["heavy"].items()
              if UNCOMPRESSED_VIEWS in (site / p).read_text(encoding="utf-8")}
    check_against_known("heavy", offenders, listed=stored,
                        passing={k for k, v in weights.items() if v < 0.95 * FIRST_LOAD_BUDGET})


def test_nothing_loads_that_no_page_uses(site):
    static = site / "_static"
    assert not list(static.glob("vendor/fontawesome/*/js/all.min.js"))
    assert (static / "icons" / "icons.css").stat().st_size < 40_000
    assert not (static / "mathjax" / "tex-chtml.js").exists()
    assert not (static / "mathjax" / "ui" / "menu.js").exists()
    mathjax = sum(p.stat().st_size for p in (static / "mathjax").rglob("*") if p.is_file())
    assert mathjax < 4e6
