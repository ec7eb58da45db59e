"""Small, self-contained SVG charts for the explorers.

An explorer's view is drawn in Python, once, and shown both live in Jupyter and, over a
precomputed grid, on the static website; so it must be light (a few kilobytes) and need
no library in the browser. Text and axes use ``currentColor`` so the charts follow the
page's light or dark theme; lines use :data:`rnnbook.plots.LINE_COLORS` (at least 3:1 on
white and on the dark theme) and each series its own dash pattern, so no line depends on
colour alone. The legend sits under the plot and the chart is narrow (440 units), so its
text stays about 10 px or more when a phone shrinks it to its 358 px column.
"""

from html import escape

import numpy as np

from rnnbook.plots import LINE_COLORS

#: The chart's width in SVG units; it is drawn at most this many CSS pixels wide.
WIDTH = 440
#: Dash patterns by series: solid, long dashes, dots, dash-dot.
DASHES = [None, "8 4", "2 3", "8 3 2 3"]
TICK_FONT, LABEL_FONT, TITLE_FONT = 12, 13, 13
_LEGEND_ROW = 18


class Panel(str):
    """An SVG ``<g>`` fragment (a ``str``) that knows its drawn height."""

    height: int

    def __new__(cls, fragment, height):
        panel = super().__new__(cls, fragment)
        panel.height = height
        return panel


def _fmt(value):
    """A short tick label: 0.5, 2, -8, 1.86e+17."""
    return f"{value:.3g}"


def _legend_rows(labels, width):
    """Legend entries placed left to right and wrapped: ``[(label, x, row), ...]``."""
    placed, x, row = [], 0, 0
    for label in labels:
        item = 28 + 7.2 * len(label) + 14
        if x and x + item > width:
            x, row = 0, row + 1
        placed.append((label, x, row))
        x += item
    return placed


def line_panel(series, *, title, ylim, xlabel="time step t", width=WIDTH, height=150,
               legend_width=None, highlight=None, colors=None, dashed=()):
    """One chart of several lines, as an SVG ``<g>`` fragment (a :class:`Panel`).

    Parameters
    ----------
    series : dict of label -> values at x = 0, 1, 2, ... (time steps), or label -> a pair
        ``(x, values)`` for lines drawn at their own x (epochs, say).
    ylim : (low, high) of the vertical axis; values outside are clipped to it.
    xlabel : what the horizontal axis counts.
    height : of the plot with its axes; the legend's rows are added below it.
    legend_width : ignored (the legend is under the plot); kept for older callers.
    highlight : int, optional. An x to mark with a vertical band.
    colors : dict of label -> colour, for series whose colour means something.
    dashed : labels drawn with short dashes (inputs, say) whatever their position.
    """
    colors = colors or {}
    curves = {label: (v if isinstance(v, tuple) else (np.arange(len(v)), v))
              for label, v in series.items()}
    left, right, top, bottom = 52, 10, 24, 38
    plot_w, plot_h = width - left - right, height - top - bottom
    low, high = ylim
    x_low = min(min(x) for x, _ in curves.values())
    x_high = max(max(x) for x, _ in curves.values())
    span = max(x_high - x_low, 1)

    def px(t):
        return left + (plot_w * (t - x_low) / span)

    def py(v):
        return top + plot_h * (1 - (np.clip(v, low, high) - low) / (high - low))

    parts = [f'<text x="{left}" y="15" font-size="{TITLE_FONT}" font-weight="bold" '
             f'fill="currentColor">{escape(title)}</text>']
    if highlight is not None:
        band = plot_w / span
        parts.append(f'<rect x="{px(highlight) - band / 2:.1f}" y="{top}" width="{band:.1f}" '
                     f'height="{plot_h}" fill="currentColor" opacity="0.1"/>')
    for tick in (low, (low + high) / 2, high):
        y = py(tick)
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
                     'stroke="currentColor" stroke-opacity="0.2"/>')
        parts.append(f'<text x="{left - 5}" y="{y + 4:.1f}" font-size="{TICK_FONT}" '
                     f'text-anchor="end" fill="currentColor">{_fmt(tick)}</text>')
    ticks = range(x_low, x_high + 1, max(1, -(-(x_high - x_low + 1) // 6)))
    for t in ticks:
        parts.append(f'<text x="{px(t):.1f}" y="{top + plot_h + 15}" font-size="{TICK_FONT}" '
                     f'text-anchor="middle" fill="currentColor">{t}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.0f}" y="{top + plot_h + 32}" '
                 f'font-size="{LABEL_FONT}" text-anchor="middle" '
                 f'fill="currentColor">{escape(xlabel)}</text>')
    legend = _legend_rows(list(curves), width - left)
    for index, (label, (xs, values)) in enumerate(curves.items()):
        color = colors.get(label, LINE_COLORS[index % len(LINE_COLORS)])
        pattern = "4 3" if label in dashed else DASHES[index % len(DASHES)]
        dash = f' stroke-dasharray="{pattern}"' if pattern else ""
        points = " ".join(f"{px(t):.0f},{py(v):.0f}" for t, v in zip(xs, values, strict=True))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" '
                     f'stroke-width="2"{dash}/>')
        _, x, row = legend[index]
        x, y = left + x, height + 4 + _LEGEND_ROW * row
        parts.append(f'<line x1="{x:.0f}" x2="{x + 24:.0f}" y1="{y}" y2="{y}" '
                     f'stroke="{color}" stroke-width="2.5"{dash}/>')
        parts.append(f'<text x="{x + 29:.0f}" y="{y + 4}" font-size="{LABEL_FONT}" '
                     f'fill="currentColor">{escape(label)}</text>')
    rows = legend[-1][2] + 1 if legend else 0
    return Panel("".join(parts), height + _LEGEND_ROW * rows + 6)


def stack(panels, *, width=WIDTH, height=150, label):
    """Stack ``<g>`` fragments vertically into one ``<svg>`` with an accessible label.

    Each panel takes its own drawn height (a :class:`Panel`'s), and at least ``height``.
    """
    heights = [max(height, getattr(panel, "height", height)) for panel in panels]
    offsets = np.concatenate([[0], np.cumsum(heights)]).astype(int)
    body = "".join(f'<g transform="translate(0,{offset})">{panel}</g>'
                   for panel, offset in zip(panels, offsets, strict=False))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {offsets[-1]}" '
            f'width="100%" style="max-width:{round(1.3 * width)}px" role="img" '
            f'aria-label="{escape(label)}">{body}</svg>')
