"""The explorers' SVG charts."""

import re

import numpy as np

from rnnbook import svg


def points(fragment):
    return [[tuple(map(int, p.split(","))) for p in m.split()]
            for m in re.findall(r'polyline points="([^"]+)"', fragment)]


def test_series_at_time_steps_span_the_plot():
    fragment = svg.line_panel({"a": np.array([0.0, 1.0, 0.5])}, title="t", ylim=(0, 1))
    (line,) = points(fragment)
    assert [x for x, _ in line] == [44, 242, 440]   # first and last step at the plot's edges
    assert [y for _, y in line] == [128, 18, 73]    # 0 at the bottom, 1 at the top
    assert "time step t" in fragment


def test_series_with_their_own_x_share_one_axis():
    fragment = svg.line_panel({"train": ([1, 2, 3, 4], [1.0, 0.5, 0.4, 0.3]),
                               "test": ([2, 4], [0.6, 0.5])},
                              title="loss", ylim=(0, 1), xlabel="epoch")
    train, test = points(fragment)
    assert train[0][0] == 44 and train[-1][0] == test[-1][0] == 440
    assert test[0][0] == train[1][0]                # epoch 2 at the same place in both
    assert ">epoch<" in fragment and "time step" not in fragment


def test_tick_labels_stay_short():
    fragment = svg.line_panel({"h": [0.0, 1.0]}, title="t", ylim=(-1.86e17, 1.86e17))
    assert "1.86e+17" in fragment and "186000000000000000" not in fragment
    assert ">0.5<" in svg.line_panel({"h": [0.0, 1.0]}, title="t", ylim=(0, 1))
