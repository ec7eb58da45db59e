"""Tensors drawn as labelled boxes: a recurrent layer's input and everything it returns.

A 3-D tensor ``(samples, timesteps, features)`` is drawn as a box: height for samples, depth
for timesteps, width for features; a 2-D tensor ``(samples, features)`` as a flat
rectangle. Sizes grow with the logarithm of each axis, so 1 and 1000 both fit. The drawing
is plain SVG text (a few kilobytes), like :mod:`rnnbook.svg`, so the static website can hold
many precomputed views; text uses ``currentColor`` to follow the page's theme.
"""

from html import escape
from math import log2

from rnnbook.explorer import Choice, Explorer, Slider
from rnnbook.plots import OKABE_ITO
from rnnbook.shapes import layer_tensors

WIDTH = 620
COLORS = {"input": OKABE_ITO[0], "output": OKABE_ITO[1], "state": OKABE_ITO[2]}


def extent(size, *, smallest=6, largest=84):
    """Pixels for an axis of ``size`` elements: ``6 + 11 * log2(size)``, capped at 84."""
    if size is None:
        return smallest
    return min(largest, smallest + 11 * log2(max(int(size), 1)))


def box(x, y, shape, color):
    """One tensor's box with its top-left corner at ``(x, y)``: SVG text and its
    ``(width, height)`` in pixels. ``shape`` is 2-D ``(samples, features)`` or 3-D
    ``(samples, timesteps, features)``."""
    if len(shape) not in (2, 3):
        raise ValueError(f"shape must have 2 or 3 axes; got {shape}")
    height, width = round(extent(shape[0])), round(extent(shape[-1]))
    depth = round(0.5 * extent(shape[1])) if len(shape) == 3 else 0
    x, y = round(x), round(y)
    # one path: the front face, then (for 3-D) the top and side faces behind it
    path = f"M{x},{y + depth}h{width}v{height}h{-width}Z"
    if depth:
        path += (f"M{x},{y + depth}l{depth},{-depth}h{width}l{-depth},{depth}Z"
                 f"M{x + width},{y + depth}l{depth},{-depth}v{height}l{-depth},{depth}Z")
    return f"<path d='{path}' fill='{color}'/>", (width + depth, height + depth)


def _axis_words(name, shape, bidirectional_concat):
    if name == "input":
        words = ["samples", "timesteps", "input_dim"]
    elif name.startswith("output"):
        last = "2 units" if bidirectional_concat else "units"
        words = ["samples", "timesteps", last] if len(shape) == 3 else ["samples", last]
    else:
        words = ["samples", "units"]
    return f"({', '.join(words)})"


def tensors_svg(tensors, *, layer_label, params, bidirectional_concat=False):
    """Draw the input, the layer, and every output tensor as labelled boxes, in one ``<svg>``.

    Parameters
    ----------
    tensors : list of ``(name, shape)``, the input first (as
        :func:`rnnbook.shapes.layer_tensors` returns them).
    layer_label : the Keras expression; its class name is shown. params : its parameter count.
    """
    (input_name, input_shape), outputs = tensors[0], tensors[1:]
    sizes = [box(0, 0, shape, "")[1][1] + 40 for _, shape in outputs]
    height = max(sum(sizes), 150)
    middle = height // 2
    shapes, texts, lines = [], [], []
    y = 4
    for (name, shape), size in zip(outputs, sizes, strict=True):
        color = COLORS["output"] if name.startswith("output") else COLORS["state"]
        drawn, (_, h) = box(380, y, shape, color)
        shapes.append(drawn)
        texts.append(_label(380, y + h + 14, name, shape,
                            _axis_words(name, shape, bidirectional_concat)))
        lines.append(f"M300,{middle}L374,{y + h // 2}")
        y += size
    drawn, (w, h) = box(10, middle - 50, input_shape, COLORS["input"])
    shapes.append(drawn)
    texts.append(_label(10, middle - 50 + h + 14, input_name, input_shape,
                        _axis_words(input_name, input_shape, False)))
    lines.append(f"M{w + 14},{middle}H200M200,{middle - 26}h100v52h-100Z")
    texts.append(f"<text x='250' y='{middle - 6}' text-anchor='middle' font-weight='bold'>"
                 f"{escape(layer_label.split('(', 1)[0])}</text><text x='250' "
                 f"y='{middle + 12}' text-anchor='middle'>{params:,} params</text>")
    return (f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {WIDTH} {height}' "
            f"width='100%' style='max-width:{WIDTH}px' font-size='11'>"
            "<title>tensor shapes</title>"
            f"<g stroke='currentColor' stroke-width='0.8' fill-opacity='0.5'>{''.join(shapes)}</g>"
            f"<path d='{''.join(lines)}' fill='none' stroke='currentColor'/>"
            f"<g fill='currentColor'>{''.join(texts)}</g></svg>")


def _label(x, y, name, shape, words):
    return (f"<text x='{x}' y='{y}'><tspan font-weight='bold'>{escape(name)}</tspan> "
            f"{escape(str(shape))}</text><text x='{x}' y='{y + 13}' opacity='0.75'>"
            f"{escape(words)}</text>")


def shapes_view(samples=100, timesteps=20, input_dim=80, units=16, kind="LSTM",
                return_sequences=False, return_state=False, direction="forward"):
    """The input-shapes explorer's view: the layer's tensors as boxes, and their shapes.

    ``direction`` is ``"forward"`` (one layer) or a ``Bidirectional`` merge mode:
    ``"concat"``, ``"sum"``, ``"ave"``, ``"mul"`` or ``"none"`` (two separate outputs).
    """
    bidirectional = direction != "forward"
    merge_mode = None if direction == "none" else (direction if bidirectional else "concat")
    result = layer_tensors(samples, timesteps, input_dim, units, kind,
                           return_sequences=return_sequences, return_state=return_state,
                           bidirectional=bidirectional, merge_mode=merge_mode)
    chart = tensors_svg(result["tensors"], layer_label=result["label"], params=result["params"],
                        bidirectional_concat=bidirectional and merge_mode == "concat")
    return chart


def shapes_explorer():
    """The explorer of the input-shapes chapter: sizes, layer type, flags, direction."""
    yes_no = {"False": False, "True": True}
    return Explorer(shapes_view, [
        Slider("samples", "samples:", [1, 100], default=100),
        Slider("timesteps", "timesteps:", [20, 49], default=20),
        Slider("input_dim", "input_dim:", [1, 80], default=80),
        Slider("units", "units:", [16, 50], default=16),
        Choice("kind", "layer:", {"SimpleRNN": "SimpleRNN", "LSTM": "LSTM", "GRU": "GRU"},
               default="LSTM"),
        Choice("return_sequences", "return_sequences:", yes_no),
        Choice("return_state", "return_state:", yes_no),
        Choice("direction", "Bidirectional:", {
            "no": "forward", "yes, merge_mode='concat'": "concat"}),
    ], title="Shapes in and out of one recurrent layer", max_views=600)
