"""The explorers' and the parameter calculator's pages, driven in Chromium as a reader would.

These render the library's HTML into a blank page (no book build needed), so they check the
mechanism whatever the chapters' stored outputs hold: every control changes the view to
the one Python computes for that setting, and the calculator counts what Keras counts.
"""

import random

import pytest

from rnnbook import param_calculator as pc
from rnnbook.explorer import Choice, Explorer, Slider


@pytest.fixture
def blank(browser):
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    yield page, errors
    context.close()


def toy():
    def view(a=1, b=0, c="x"):
        return f"<p>a={a} b={b} c={c}</p>"
    return Explorer(view, [Slider("a", "a:", [1, 2, 3, 4], default=2, live_step=1),
                           Slider("b", "b:", [0, 10], default=0),
                           Choice("c", "c:", {"ex": "x", "why": "y", "zed": "z", "w": "w"})],
                    title="toy")


def test_each_control_shows_the_view_python_computes(blank):
    page, errors = blank
    explorer = toy()
    page.set_content(explorer.static_html())
    root = page.locator("[data-rnnbook-explorer]")
    root.and_(page.locator("[data-ready]")).wait_for(timeout=5000)
    view = root.locator(".rnnbook-explorer-view")
    # four values: a slider with its two ends beside it
    slider = root.locator('input[type="range"]')
    assert root.locator(".rnnbook-range-end").all_inner_texts() == ["1", "4"]
    slider.fill("3")
    assert root.locator('[data-value="0"]').inner_text() == "4"
    assert slider.get_attribute("aria-valuetext") == "4"
    assert view.inner_html() == explorer.view(a=4, b=0, c="x")
    # two values: buttons, not a slider
    assert root.locator('[data-control="1"] input[type="radio"]').count() == 2
    root.locator('[data-control="1"] label', has_text="10").click()
    assert view.inner_html() == explorer.view(a=4, b=10, c="x")
    # four options: a drop-down list
    root.locator("select").select_option(label="zed")
    assert view.inner_html() == explorer.view(a=4, b=10, c="z")
    assert root.locator("output").count() == 0  # the view alone is announced
    assert not errors


def test_the_note_names_the_sliders_only_where_jupyter_offers_more():
    # a holds every step Jupyter's slider offers; b only its two ends
    assert toy().note() == ("This page holds 32 precomputed settings (b 0 or 10). Run the "
                            "chapter in Jupyter to set any value in between (b 0 to 10).")
    complete = Explorer(lambda t=0: str(t), [Slider("t", "t:", [0, 1, 2, 3], 0, live_step=1)],
                        title="every step")
    assert complete.note() == "" and "explorer-note" not in complete.static_html()
    choices = Explorer(lambda c="x": c, [Choice("c", "c:", {"x": "x", "y": "y"})], title="c")
    assert choices.note() == ""


SETTINGS = [("LSTM", 32, 256, True, False, 1), ("GRU (reset_after=False, Keras 2 / seed article)",
                                                 32, 256, True, False, 1),
            ("GRU (reset_after=True, Keras 3 default)", 7, 1, False, True, 3),
            ("SimpleRNN", 1, 1, True, True, 2), ("LSTM", 513, 3000, True, True, 4)]
rng = random.Random(0)
SETTINGS += [(rng.choice(list(pc.CELLS)), rng.randint(1, 300), rng.randint(1, 5000),
              rng.random() < 0.7, rng.random() < 0.4, rng.randint(1, 4)) for _ in range(25)]


def as_browser_writes(page, html):
    """``html`` as the browser serialises it (quotes, entities), to compare markup."""
    return page.evaluate("h => { const d = document.createElement('div'); d.innerHTML = h; "
                         "return d.innerHTML; }", html)


def set_calculator(root, cell, units, input_dim, use_bias, bidirectional, layers):
    root.locator("select").select_option(cell)
    for name, value in (("units", units), ("input_dim", input_dim), ("layers", layers)):
        root.locator(f'input[name="{name}"]').fill(str(value))
    root.locator('[data-control="use_bias"] label', has_text=str(use_bias)).click()
    root.locator('[data-control="bidirectional"] label',
                 has_text="yes" if bidirectional else "no").click()


def test_the_calculator_counts_any_stack_as_keras_does(blank):
    page, errors = blank
    page.set_content(pc.calculator_explorer().static_html())
    root = page.locator("[data-rnnbook-explorer]")
    view = root.locator(".rnnbook-explorer-view")
    for cell, units, input_dim, use_bias, bidirectional, layers in SETTINGS:
        set_calculator(root, cell, units, input_dim, use_bias, bidirectional, layers)
        kind, reset_after = pc.CELLS[cell]
        options = {"use_bias": use_bias, "reset_after": reset_after,
                   "bidirectional": bidirectional, "layers": layers}
        keras_total = pc.keras_count(kind, units, input_dim, **options)
        assert int(root.get_attribute("data-total")) == keras_total, (cell, units, input_dim)
        python = pc.calculator_html(pc.calculate(kind, units, input_dim, **options))
        assert view.inner_html() == as_browser_writes(view.page, python)
    assert not errors


def test_the_calculator_says_what_it_needs(blank):
    page, errors = blank
    page.set_content(pc.calculator_explorer().static_html())
    root = page.locator("[data-rnnbook-explorer]")
    root.locator('input[name="units"]').fill("0")
    assert "units must be a whole number from 1 to 100,000; got 0" in root.inner_text()
    assert root.get_attribute("data-total") == ""
    root.locator('input[name="units"]').fill("12")
    assert root.get_attribute("data-total") == str(pc.keras_count("LSTM", 12, 256))
    assert not errors
