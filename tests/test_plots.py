"""The book's figure style: line colours readers can see, styles beyond colour, sharp PNGs."""

import base64

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from rnnbook import plots

WHITE, DARK_THEME = "#FFFFFF", "#14181E"  # pydata-sphinx-theme 0.15's dark background


def luminance(color):
    """WCAG 2 relative luminance of a ``#RRGGBB`` colour."""
    channels = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b):
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_on_known_pairs():
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21)
    assert contrast("#F0E442", WHITE) == pytest.approx(1.32, abs=0.01)  # Okabe-Ito's yellow


@pytest.mark.parametrize("color", plots.OKABE_ITO)
def test_every_line_colour_has_3_to_1_contrast_on_white_and_on_the_dark_theme(color):
    assert contrast(color, WHITE) >= 3 and contrast(color, DARK_THEME) >= 3


def test_the_published_palette_fails_where_the_book_replaced_it():
    faint = [c for c in plots.OKABE_ITO_ORIGINAL if contrast(c, WHITE) < 3]
    assert faint == ["#E69F00", "#56B4E9", "#F0E442"]
    kept = [c for c in plots.OKABE_ITO_ORIGINAL if c in plots.OKABE_ITO]
    assert kept == ["#009E73", "#0072B2", "#D55E00", "#CC79A7"]
    assert sorted(plots.LINE_COLORS) == sorted(plots.OKABE_ITO)


def test_series_differ_in_line_style_too_and_histograms_still_draw():
    plots.use_book_style()
    fig, ax = plt.subplots()
    lines = [ax.plot([0, 1, 2], [i, i, i])[0] for i in range(7)]
    assert len({line.get_color() for line in lines}) == 7
    assert len({str(line._unscaled_dash_pattern) for line in lines}) == 7
    ax.hist([0.1, 0.2, 0.2], histtype="step")  # patches take the cycle too
    ax.fill_between([0, 1], [0, 1])
    plt.close(fig)


def test_panels_stack_in_one_column_no_wider_than_a_phone_allows():
    fig, axes = plots.panels(3)
    assert len(axes) == 3 and fig.get_figwidth() == plots.MAX_WIDTH_INCHES
    assert [ax.get_subplotspec().colspan.start for ax in axes] == [0, 0, 0]
    plt.close(fig)
    with pytest.raises(ValueError, match="count must be a positive int, got 0"):
        plots.panels(0)


def test_in_a_kernel_figures_are_stored_at_twice_their_resolution():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        plots.use_book_style()
        formatter = shell.display_formatter.formatters["image/png"]
        fig, ax = plt.subplots(figsize=(4, 2))
        ax.plot([0, 1])
        data, metadata = formatter(fig)
        png = data if isinstance(data, bytes) else base64.b64decode(data)
        pixels = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        # drawn at 200 dpi, shown at 100 dpi: twice as many pixels as CSS pixels
        assert [p // 2 for p in pixels] == [metadata["width"], metadata["height"]]
        assert 300 < metadata["width"] <= 400
        plt.close(fig)
    finally:
        InteractiveShell.clear_instance()
