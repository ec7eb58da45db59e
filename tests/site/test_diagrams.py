"""The cell diagrams on the website: captioned figures, named for screen readers, readable on
a phone and on a laptop, in the light and the dark theme."""

import re

import pytest

PAGES = ["chapters/01_recurrent_loop.html", "chapters/04_lstm.html", "chapters/05_gru.html"]
MEASURE = """() => Array.from(document.querySelectorAll('svg.rnnbook-diagram')).map(s => {
    const box = s.getBoundingClientRect();
    const scale = box.width / s.viewBox.baseVal.width;
    const sizes = Array.from(s.querySelectorAll('text, tspan')).map(
        t => parseFloat(getComputedStyle(t).fontSize) * scale);
    let e = s, background = 'rgba(0, 0, 0, 0)';
    while (e && /^rgba\\(0, 0, 0, 0\\)$|^transparent$/.test(background)) {
        background = getComputedStyle(e).backgroundColor; e = e.parentElement; }
    const figure = s.closest('figure');
    return {min_font: Math.min(...sizes), width: box.width,
            room: s.parentElement.getBoundingClientRect().width,
            color: getComputedStyle(s).color, background: background,
            role: s.getAttribute('role'), title: s.querySelector('title').textContent,
            desc: s.querySelector('desc').textContent,
            caption: figure ? figure.querySelector('figcaption').textContent : ''}; })"""


def luminance(rgb):
    channels = [int(v) / 255 for v in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b):
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width", [390, 1366])
def test_diagrams_are_readable_at_phone_and_laptop_widths(browser, server, width, theme):
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        for name in PAGES:
            page = context.new_page()
            page.goto(f"{server}/{name}", wait_until="load")
            page.evaluate(f"() => document.documentElement.setAttribute('data-theme', '{theme}')")
            diagrams = page.evaluate(MEASURE)
            assert diagrams, f"{name} shows no cell diagram"
            for d in diagrams:
                assert d["role"] == "img" and d["title"] and len(d["desc"]) > 300, name
                assert d["caption"].strip(), f"{name}: a diagram outside a captioned figure"
                assert d["min_font"] >= 12, f"{name} at {width} px: text of {d['min_font']} px"
                assert d["width"] <= d["room"] + 0.5, f"{name} at {width} px: wider than its room"
                # lines and text are currentColor: the theme's text on the theme's background
                assert contrast(d["color"], d["background"]) >= 4.5, (name, theme, d)
            page.close()
    finally:
        context.close()
