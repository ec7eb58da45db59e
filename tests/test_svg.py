"""The explorers' SVG charts."""

import re

import numpy as np

from rnnbook import svg
from rnnbook.plots import LINE_COLORS


def points(fragment):
    return [[tuple(map(int, p.split(","))) for p in m.split()]
            for m in re.findall(r'polyline points="([^"]+)"', fragment)]


def test_series_at_time_steps_span_the_plot():
    fragment = svg.line_panel({"a": np.array([0.0, 1.0, 0.5])}, title="t", ylim=(0, 1))
    (line,) = points(fragment)
    assert [x for x, _ in line] == [52, 241, 430]   # first and last step at the plot's edges
    assert [y for _, y in line] == [112, 24, 68]    # 0 at the bottom, 1 at the top
    assert "time step t" in fragment


def test_series_with_their_own_x_share_one_axis():
    fragment = svg.line_panel({"train": ([1, 2, 3, 4], [1.0, 0.5, 0.4, 0.3]),
                               "test": ([2, 4], [0.6, 0.5])},
                              title="loss", ylim=(0, 1), xlabel="epoch")
    train, test = points(fragment)
    assert train[0][0] == 52 and train[-1][0] == test[-1][0] == 430
    assert test[0][0] == train[1][0]                # epoch 2 at the same place in both
    assert ">epoch<" in fragment and "time step" not in fragment


def test_tick_labels_stay_short():
    fragment = svg.line_panel({"h": [0.0, 1.0]}, title="t", ylim=(-1.86e17, 1.86e17))
    assert "1.86e+17" in fragment and "186000000000000000" not in fragment
    assert ">0.5<" in svg.line_panel({"h": [0.0, 1.0]}, title="t", ylim=(0, 1))


def test_the_legend_sits_under_the_plot_and_wraps():
    one = svg.line_panel({"a": [0.0, 1.0]}, title="t", ylim=(0, 1))
    labels = {f"series number {i}": [0.0, 1.0] for i in range(6)}
    many = svg.line_panel(labels, title="t", ylim=(0, 1))
    assert one.height == 150 + 18 + 6 and many.height > one.height
    legend_y = [float(y) for y in re.findall(r'<line [^>]*y1="([\d.]+)"[^>]*stroke-width="2.5"',
                                               many)]
    assert len(legend_y) == 6 and len(set(legend_y)) > 1   # six entries on several rows
    assert min(legend_y) > 150 - 38        # below the plot's axis
    chart = svg.stack([one, many], label="two panels")
    assert f'viewBox="0 0 {svg.WIDTH} {one.height + many.height}"' in chart
    assert f'translate(0,{one.height})' in chart


def test_each_series_has_its_own_colour_and_dashes():
    fragment = svg.line_panel({"a": [0, 1], "b": [1, 0], "c": [0, 0]}, title="t", ylim=(0, 1))
    lines = re.findall(r'<polyline [^>]*stroke="(#[0-9A-F]+)"[^>]*?'
                       r'(?: stroke-dasharray="([^"]+)")?/>', fragment)
    assert [color for color, _ in lines] == LINE_COLORS[:3]
    assert [dash for _, dash in lines] == ["", "8 4", "2 3"]
    forced = svg.line_panel({"x": [0, 1]}, title="t", ylim=(0, 1), dashed=("x",))
    assert 'stroke-dasharray="4 3"' in forced
