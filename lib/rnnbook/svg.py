"""Small, self-contained SVG charts for the explorers.

An explorer's view is drawn in Python, once, and shown both live in Jupyter and, over a
precomputed grid, on the static website; so it must be light (a few kilobytes) and need
no library in the browser. Text and axes use ``currentColor`` so the charts follow the
page's light or dark theme; lines use the Okabe-Ito palette of :mod:`rnnbook.plots`.
"""

from html import escape

import numpy as np

from rnnbook.plots import OKABE_ITO


def _fmt(value):
    return f"{value:.1f}".rstrip("0").rstrip(".")


def line_panel(series, *, title, ylim, width=560, height=150, highlight=None, colors=None,
               dashed=()):
    """One chart of several lines over time steps, as an SVG ``<g>`` fragment string.

    Parameters
    ----------
    series : dict of label -> 1-D array, all of one length (timesteps).
    ylim : (low, high) of the vertical axis; values outside are clipped to it.
    highlight : int, optional. A time step to mark with a vertical band.
    """
    colors = colors or {}
    left, right, top, bottom = 44, 120, 18, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    low, high = ylim
    steps = len(next(iter(series.values())))

    def px(t):
        return left + (plot_w * t / max(steps - 1, 1))

    def py(v):
        return top + plot_h * (1 - (np.clip(v, low, high) - low) / (high - low))

    parts = [f'<text x="{left}" y="12" font-size="12" font-weight="bold" '
             f'fill="currentColor">{escape(title)}</text>']
    if highlight is not None:
        band = plot_w / max(steps - 1, 1)
        parts.append(f'<rect x="{px(highlight) - band / 2:.1f}" y="{top}" width="{band:.1f}" '
                     f'height="{plot_h}" fill="currentColor" opacity="0.08"/>')
    for tick in (low, (low + high) / 2, high):
        y = py(tick)
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
                     'stroke="currentColor" stroke-opacity="0.15"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end" '
                     f'fill="currentColor">{_fmt(tick)}</text>')
    for t in range(0, steps, max(1, steps // 8)):
        parts.append(f'<text x="{px(t):.1f}" y="{height - 6}" font-size="10" '
                     f'text-anchor="middle" fill="currentColor">{t}</text>')
    parts.append(f'<text x="{left + plot_w + 10}" y="{height - 6}" font-size="10" '
                 'fill="currentColor">time step t</text>')
    for index, (label, values) in enumerate(series.items()):
        color = colors.get(label, OKABE_ITO[index % len(OKABE_ITO)])
        points = " ".join(f"{px(t):.0f},{py(v):.0f}" for t, v in enumerate(values))
        dash = ' stroke-dasharray="4 3"' if label in dashed else ""
        parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" '
                     f'stroke-width="2"{dash}/>')
        y = top + 6 + 16 * index
        parts.append(f'<line x1="{left + plot_w + 10}" x2="{left + plot_w + 28}" y1="{y}" '
                     f'y2="{y}" stroke="{color}" stroke-width="2"{dash}/>')
        parts.append(f'<text x="{left + plot_w + 32}" y="{y + 4}" font-size="11" '
                     f'fill="currentColor">{escape(label)}</text>')
    return "".join(parts)


def stack(panels, *, width=560, height=150, label):
    """Stack ``<g>`` fragments vertically into one ``<svg>`` with an accessible label."""
    total = height * len(panels)
    body = "".join(f'<g transform="translate(0,{height * i})">{panel}</g>'
                   for i, panel in enumerate(panels))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {total}" '
            f'width="100%" style="max-width:{width}px" role="img" '
            f'aria-label="{escape(label)}">{body}</svg>')
