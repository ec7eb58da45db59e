"""The input-shapes explorer: its boxes, its text, its size on the static page."""

import itertools
import re
import xml.etree.ElementTree as ET

import pytest

from rnnbook import tensor_boxes
from rnnbook.shapes import layer_tensors


def test_extent_grows_with_log_size_and_is_capped():
    assert tensor_boxes.extent(1) == 6 and tensor_boxes.extent(2) == 17
    assert tensor_boxes.extent(10**6) == 84 and tensor_boxes.extent(None) == 6


def test_box_is_flat_for_2d_and_deep_for_3d():
    flat, (w2, h2) = tensor_boxes.box(0, 0, (8, 4), "#000")
    deep, (w3, h3) = tensor_boxes.box(0, 0, (8, 16, 4), "#000")
    assert flat.count("Z") == 1 and deep.count("Z") == 3
    assert (w3 - w2, h3 - h2) == (25, 25)  # depth = half the extent of 16 timesteps
    with pytest.raises(ValueError, match="2 or 3 axes"):
        tensor_boxes.box(0, 0, (4,), "#000")


@pytest.mark.parametrize("kind,seq,state,direction", list(itertools.product(
    ["SimpleRNN", "LSTM", "GRU"], [False, True], [False, True],
    ["forward", "concat", "sum", "ave", "mul", "none"])))
def test_view_is_valid_svg_naming_every_tensor(kind, seq, state, direction):
    html = tensor_boxes.shapes_view(7, 5, 3, 4, kind, seq, state, direction)
    ET.fromstring(html)  # well-formed
    bidirectional = direction != "forward"
    merge = None if direction == "none" else (direction if bidirectional else "concat")
    expected = layer_tensors(7, 5, 3, 4, kind, return_sequences=seq, return_state=state,
                             bidirectional=bidirectional, merge_mode=merge)
    for name, shape in expected["tensors"]:
        assert f"{name}</tspan> {shape}" in html
    assert f"{expected['params']:,} params" in html
    assert html.count("<path d='M") == len(expected["tensors"]) + 1  # boxes + arrows


def test_concat_names_the_doubled_axis():
    assert "(samples, 2 units)" in tensor_boxes.shapes_view(direction="concat")
    assert "2 units" not in tensor_boxes.shapes_view(direction="sum")


def test_explorer_grid_is_light_and_complete():
    explorer = tensor_boxes.shapes_explorer()
    html = explorer.static_html()
    assert len(html) < 500_000
    views, index = explorer.static_views()
    assert len(index) == explorer.grid_size and len(views) == explorer.grid_size
    assert all(re.search(r"\d params", view) for view in views)
