"""Build the Keras layers a :class:`rnnbook.shapes.LayerSpec` describes, and measure them.

:func:`rnnbook.shapes.stack_shapes` predicts shapes by arithmetic; :func:`keras_stack_shapes`
builds the same stack in Keras on a symbolic input and reads the shapes Keras reports, so a
chapter can print both side by side. :func:`keras_error_line` turns a Keras exception into
one stable line of text for the page, and :func:`wrap_message` fits it to the page's width.
"""

import re
import textwrap

import keras

from rnnbook.params import normalize_kind
from rnnbook.shapes import LayerSpec, ShapeRow

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_WRAPPER = re.compile(r"^Exception encountered when calling \S+\.?$")


def keras_layer(spec):
    """The Keras layer ``spec`` describes (unbuilt), e.g. ``Bidirectional(LSTM(8, ...))``."""
    if not isinstance(spec, LayerSpec):
        raise TypeError(f"spec must be a LayerSpec; got {spec!r}")
    if not spec.recurrent:
        dense = keras.layers.Dense(spec.units)
        return dense if spec.kind == "Dense" else keras.layers.TimeDistributed(dense)
    layer_class = getattr(keras.layers, normalize_kind(spec.kind))
    layer = layer_class(spec.units, return_sequences=spec.return_sequences,
                        return_state=spec.return_state)
    if spec.bidirectional:
        layer = keras.layers.Bidirectional(layer, merge_mode=spec.merge_mode)
    return layer


def keras_stack_shapes(input_shape, specs):
    """Build the stack in Keras on a symbolic input; return the shapes Keras reports.

    Parameters
    ----------
    input_shape : ``(samples, timesteps, input_dim)``; ``samples`` may be None.
    specs : list of :class:`LayerSpec`; each layer reads the previous layer's first output.

    Returns
    -------
    list of :class:`ShapeRow`, as :func:`rnnbook.shapes.stack_shapes` returns, measured:
    ``outputs`` from the symbolic tensors, ``params`` from ``layer.count_params()``.
    """
    samples, *rest = input_shape
    tensor = keras.Input(shape=tuple(rest), batch_size=samples)
    rows = []
    for spec in specs:
        layer = keras_layer(spec)
        shape_in = tuple(tensor.shape)
        result = layer(tensor)
        outputs = list(result) if isinstance(result, (list, tuple)) else [result]
        rows.append(ShapeRow(spec.label(), shape_in, tuple(tuple(o.shape) for o in outputs),
                             layer.count_params()))
        tensor = outputs[0]
    return rows


def keras_error_line(function, *args, max_chars=None, **kwargs):
    """Call ``function``; return its exception as ``"ErrorType: first line"``.

    Keras wraps many errors in "Exception encountered when calling X.call()."; that line is
    skipped for the first line that says what went wrong. Colour codes are removed; a line
    longer than ``max_chars`` is cut there and ends in " ...". Returns ``"no error"`` if the
    call succeeds.
    """
    try:
        function(*args, **kwargs)
    except Exception as error:  # any error is the result here
        lines = [line.strip() for line in _ANSI.sub("", str(error)).splitlines()]
        lines = [line for line in lines if line and not _WRAPPER.match(line)]
        line = f"{type(error).__name__}: {lines[0] if lines else ''}"
        if max_chars is not None and len(line) > max_chars:
            line = line[:max_chars].rstrip() + " ..."
        return line
    return "no error"


def wrap_message(label, text, width=78):
    """``label`` followed by ``text``, wrapped to lines of at most ``width`` characters.

    Continuation lines are indented under the text, so an error message printed on the
    page stays as wide as the website's text column (no sideways scrolling).
    """
    if width <= len(label) + 10:
        raise ValueError(f"width must leave room for the text after the label; got width = "
                         f"{width} for a label of {len(label)} characters")
    return textwrap.fill(text, width, initial_indent=label, subsequent_indent=" " * len(label),
                         break_long_words=True, break_on_hyphens=False)
