"""The website in a real browser: offline, typeset, interactive without a kernel, searchable."""

import re

import pytest

#: Resolves once MathJax has typeset the page (at once on a page without formulas). Under
#: load the page's MathJax may not have started when the page has loaded: wait for it (15 s).
WAIT_FOR_MATHJAX = """async () => {
    if (!document.querySelector('.math')) return true;
    const started = () => window.MathJax && MathJax.startup && MathJax.startup.promise;
    for (let i = 0; i < 300 && !started(); i++) await new Promise(r => setTimeout(r, 50));
    if (!started()) throw new Error('MathJax did not start within 15 s');
    await MathJax.startup.promise; return true; }"""


def page_names(site):
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                  if not {"_static", "_sources", "_images"} & set(p.relative_to(site).parts))


def test_every_page_loads_cleanly_offline(site, open_page):
    """No request leaves the site, none fails, no console error, on any page."""
    for name in page_names(site):
        page, problems = open_page(name)
        redirect = re.search(r'http-equiv="refresh" content="0; url=([^"]+)"',
                             (site / name).read_text(), flags=re.IGNORECASE)
        if redirect:  # index.html forwards to the first page
            page.wait_for_url(f"**/{redirect.group(1)}")
        page.wait_for_load_state("networkidle")
        page.evaluate(WAIT_FOR_MATHJAX)
        problems.assert_none()


def test_every_equation_is_typeset(site, open_page):
    checked = 0
    for name in page_names(site):
        if "class=\"math" not in (site / name).read_text():
            continue
        page, problems = open_page(name)
        page.evaluate(WAIT_FOR_MATHJAX)
        untypeset = page.evaluate("""() => Array.from(document.querySelectorAll('.math'))
            .filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 60))""")
        assert not untypeset, f"{name}: {untypeset}"
        raw = page.evaluate(r"""() => { const a = document.querySelector('article').cloneNode(true);
            a.querySelectorAll('pre, code, script, mjx-container').forEach(e => e.remove());
            return ['$$', '\\(', '\\[', '\\begin{'].filter(s => a.textContent.includes(s)); }""")
        assert not raw, f"{name}: raw TeX left on the page: {raw}"
        problems.assert_none()
        checked += 1
    assert checked, "no page with equations was found"


def chapter_pages(site):
    return [n for n in page_names(site) if n.startswith("chapters/")]


def change(control):
    """Move one explorer control to another position, as a reader would."""
    tag = control.evaluate("e => e.tagName")
    kind = control.get_attribute("type")
    if tag == "SELECT":
        current = control.input_value()
        other = next(o for o in control.locator("option").evaluate_all(
            "os => os.map(o => o.value)") if o != current)
        control.select_option(other)
    elif tag == "FIELDSET":  # buttons: click one that is not chosen
        control.locator("label:has(input:not(:checked))").first.click()
    elif kind == "number":
        control.fill(str(int(control.input_value()) + 1))
    else:  # a slider: to one end, and its value shown beside it follows
        low, high = control.get_attribute("min"), control.get_attribute("max")
        target = low if control.input_value() != low else high
        shown = control.evaluate("""e => (e.closest('label').querySelector('[data-value]')
            || e.nextElementSibling).textContent""")
        control.fill(target)
        assert control.evaluate("""e => (e.closest('label').querySelector('[data-value]')
            || e.nextElementSibling).textContent""") != shown


def test_every_chapter_has_an_explorer_and_every_control_changes_it(site, open_page):
    for name in chapter_pages(site):
        page, problems = open_page(name)
        explorers = page.locator("[data-rnnbook-explorer]")
        assert explorers.count() >= 1, f"{name} has no explorer"
        for e in range(explorers.count()):
            explorer = explorers.nth(e)
            if explorer.locator(".rnnbook-explorer-data").count() and \
                    "\"z\"" in explorer.locator(".rnnbook-explorer-data").text_content():
                explorer.and_(page.locator("[data-ready]")).wait_for(timeout=10000)
            view = explorer.locator(".rnnbook-explorer-view")
            controls = explorer.locator("[data-control]")
            assert controls.count() >= 1
            for c in range(controls.count()):
                before = view.inner_html()
                change(controls.nth(c))
                assert view.inner_html() != before, f"{name}: control {c} changed nothing"
        problems.assert_none()


@pytest.mark.parametrize("term,expected", [("forget gate", "00_how_this_book_checks_itself")])
def test_search_finds_a_term(open_page, term, expected):
    page, problems = open_page(f"search.html?q={term.replace(' ', '+')}")
    results = page.locator("#search-results ul.search li a")
    results.first.wait_for(timeout=15000)
    hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
    assert any(expected in href for href in hrefs), hrefs
    problems.assert_none()


def test_exercise_solutions_open_and_close(open_page):
    page, problems = open_page("chapters/00_how_this_book_checks_itself.html")
    solution = page.locator("div.solution.dropdown").first
    body = solution.locator("section, div.solution-content, p").last
    assert not body.is_visible(), "a solution should start hidden"
    solution.locator("button.toggle-button").click()
    body.wait_for(state="visible", timeout=5000)
    solution.locator("button.toggle-button").click()
    body.wait_for(state="hidden", timeout=5000)
    problems.assert_none()


def test_dark_mode_keeps_figures_on_white_and_explorers_in_theme_colours(open_page):
    page, problems = open_page("chapters/00_how_this_book_checks_itself.html")
    page.evaluate("() => document.documentElement.setAttribute('data-theme', 'dark')")
    text = page.evaluate("""() => getComputedStyle(
        document.querySelector('.rnnbook-explorer-view svg text')).fill""")
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert text != "rgb(0, 0, 0)" and text != background  # follows the theme (currentColor)
    problems.assert_none()
