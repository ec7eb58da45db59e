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
    """A short tick label: 0.5, 2, -8, 1.86e+17."""
    return f"{value:.3g}"


def line_panel(series, *, title, ylim, xlabel="time step t", width=560, height=150,
               legend_width=120, highlight=None, colors=None, dashed=()):
    """One chart of several lines, as an SVG ``<g>`` fragment string.

    Parameters
    ----------
    series : dict of label -> values at x = 0, 1, 2, ... (time steps), or label -> a pair
        ``(x, values)`` for lines drawn at their own x (epochs, say).
    ylim : (low, high) of the vertical axis; values outside are clipped to it.
    xlabel : what the horizontal axis counts.
    highlight : int, optional. An x to mark with a vertical band.
    """
    colors = colors or {}
    curves = {label: (v if isinstance(v, tuple) else (np.arange(len(v)), v))
              for label, v in series.items()}
    left, right, top, bottom = 44, legend_width, 18, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    low, high = ylim
    x_low = min(min(x) for x, _ in curves.values())
    x_high = max(max(x) for x, _ in curves.values())
    span = max(x_high - x_low, 1)

    def px(t):
        return left + (plot_w * (t - x_low) / span)

    def py(v):
        return top + plot_h * (1 - (np.clip(v, low, high) - low) / (high - low))

    parts = [f'<text x="{left}" y="12" font-size="12" font-weight="bold" '
             f'fill="currentColor">{escape(title)}</text>']
    if highlight is not None:
        band = plot_w / span
        parts.append(f'<rect x="{px(highlight) - band / 2:.1f}" y="{top}" width="{band:.1f}" '
                     f'height="{plot_h}" fill="currentColor" opacity="0.08"/>')
    for tick in (low, (low + high) / 2, high):
        y = py(tick)
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
                     'stroke="currentColor" stroke-opacity="0.15"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end" '
                     f'fill="currentColor">{_fmt(tick)}</text>')
    for t in range(x_low, x_high + 1, max(1, (x_high - x_low + 1) // 8)):
        parts.append(f'<text x="{px(t):.1f}" y="{height - 6}" font-size="10" '
                     f'text-anchor="middle" fill="currentColor">{t}</text>')
    parts.append(f'<text x="{left + plot_w + 10}" y="{height - 6}" font-size="10" '
                 f'fill="currentColor">{escape(xlabel)}</text>')
    for index, (label, (xs, values)) in enumerate(curves.items()):
        color = colors.get(label, OKABE_ITO[index % len(OKABE_ITO)])
        points = " ".join(f"{px(t):.0f},{py(v):.0f}" for t, v in zip(xs, values, strict=True))
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
