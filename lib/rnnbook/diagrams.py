"""Cell diagrams: SimpleRNN, LSTM and GRU drawn as SVG, labelled with Keras' weight slices.

Each diagram is first a small data description (:class:`Diagram`): the cell's nodes (gates,
element-wise products, sums), the values each node reads, and the weight blocks it applies,
each block a symbol of the page (``W_i``) and the slice of ``kernel``, ``recurrent_kernel``
or ``bias`` it stands for (``kernel[:, 0:n]``). The drawing reads that description (every
wire it draws is an input of a node, every labelled block a :class:`Block`), and so do the
tests: they take every block's slice of ``layer.get_weights()`` and run the nodes as a
computation (:func:`run`) against Keras.

The pictures follow colah's: the state a cell carries runs along the top (the LSTM's cell
state, the GRU's hidden state), gates are boxes marked σ or tanh, ⊙ and + are round nodes,
``h_{t-1}`` (and ``c_{t-1}``) come in from the left and ``x_t`` from below. Under the gates
Keras' arrays are drawn as bars cut into column blocks in Keras' gate order (LSTM i, f, c, o;
GRU z, r, h), each column under the gate it feeds.

The SVG is self-contained and deterministic (no ids from counters, no computed floats):
strokes and text use ``currentColor``, so a diagram follows the page's light or dark theme;
the only colours are faint fills, which no label depends on. The text is at least
:data:`MIN_FONT` user units, and a diagram is never drawn wider than :data:`MAX_SCALE` times
its view box, so that it stays readable from a phone's 390 px to a laptop.
"""

from dataclasses import dataclass
from html import escape

import numpy as np

from rnnbook.activations import sigmoid
from rnnbook.params import check_size

#: Keras' three weight arrays of a recurrent layer, in ``get_weights()`` order.
ARRAYS = ("kernel", "recurrent_kernel", "bias")
#: The smallest font size used, in view-box units (subscripts, Keras names).
MIN_FONT = 14
#: A diagram's largest width, as a multiple of its view-box width.
MAX_SCALE = 1.2
_FONT, _SUB = 16, 14                     # symbols and their subscripts
_MATH = "'STIX Two Text','Cambria','Times New Roman',serif"
_MONO = "ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace"
_TINT = {"kernel": "#0072B2", "recurrent_kernel": "#009E73", "bias": "#D55E00"}  # Okabe-Ito


# ---- the description ---------------------------------------------------------------------

def _column_range(column, columns):
    """``0:n``, ``n:2n``, ``2n:3n``, ... for column block ``column`` of ``columns``."""
    def multiple(k):
        return "0" if k == 0 else "n" if k == 1 else f"{k}n"
    return f"{multiple(column)}:{multiple(column + 1)}"


@dataclass(frozen=True)
class Block:
    """One labelled weight block: a column block of one of Keras' arrays.

    Attributes
    ----------
    symbol : the page's symbol in plain text: ``"W_i"``, ``"U_f"``, ``"b'_z"`` (``'`` a prime,
        after ``_`` the subscript).
    array : ``"kernel"``, ``"recurrent_kernel"`` or ``"bias"``.
    column : the block's place along the array's last axis, in Keras' gate order.
    columns : how many blocks share that axis (1 SimpleRNN, 4 LSTM, 3 GRU).
    row : the row of a 2-D bias (a GRU with ``reset_after=True``), else None.
    """

    symbol: str
    array: str
    column: int = 0
    columns: int = 1
    row: int | None = None

    @property
    def keras(self):
        """The slice in Keras' names: ``kernel[:, n:2n]``, ``bias[1, 0:n]``, ``bias``."""
        if self.columns == 1 and self.row is None:
            return self.array
        cols = _column_range(self.column, self.columns)
        if self.array == "bias":
            return f"bias[{cols}]" if self.row is None else f"bias[{self.row}, {cols}]"
        return f"{self.array}[:, {cols}]"

    @property
    def shape(self):
        """The block's shape in the page's letters: ``(m, n)``, ``(n, n)`` or ``(n,)``."""
        return {"kernel": "(m, n)", "recurrent_kernel": "(n, n)", "bias": "(n,)"}[self.array]

    def index(self, units):
        """The NumPy index of this block in its array, for a layer of ``units`` units."""
        units = check_size("units", units)
        columns = slice(self.column * units, (self.column + 1) * units)
        if self.array == "bias":
            return (columns,) if self.row is None else (self.row, columns)
        return (slice(None), columns)

    def take(self, weights):
        """This block's slice of ``weights``, Keras' arrays by name (:func:`weights_of`)."""
        if self.array not in weights:
            raise ValueError(f"block {self.symbol} is a slice of {self.array!r}; the weights "
                             f"given hold {sorted(weights)}")
        units = np.shape(weights["recurrent_kernel"])[0]
        return np.asarray(weights[self.array])[self.index(units)]


@dataclass(frozen=True)
class Node:
    """One operation of a cell's step.

    ``op`` is applied to the values named in ``inputs`` (the step's ``"x"``, ``"h_prev"``,
    ``"c_prev"``, or earlier nodes) and, if the node has ``blocks``, to one more operand:
    the sum of ``x_t`` times its ``kernel`` blocks, ``h_{t-1}`` times its
    ``recurrent_kernel`` blocks, and its ``bias`` blocks. Ops: ``"sigmoid"`` and ``"tanh"``
    of the operands' sum, ``"add"``, ``"mul"`` (element-wise), ``"one_minus"``.
    """

    name: str
    op: str
    inputs: tuple = ()
    blocks: tuple = ()
    symbol: str = ""


@dataclass(frozen=True)
class Diagram:
    """A cell's step as data: its nodes in the order they are computed, and its layout rows.

    Attributes
    ----------
    kind : ``"SimpleRNN"``, ``"LSTM"`` or ``"GRU"``.
    gates : Keras' gate letters in storage order, one column each (``("",)`` for SimpleRNN).
    rows : the bars drawn under the gates, top to bottom, as ``(array, bias row)``.
    nodes : the step's operations, each reading earlier values.
    states : the states the step returns, ``("h",)`` or ``("h", "c")``.
    """

    kind: str
    gates: tuple
    rows: tuple
    nodes: tuple
    states: tuple

    @property
    def blocks(self):
        """Every weight block, in the order the nodes use them."""
        return tuple(block for node in self.nodes for block in node.blocks)

    def node(self, name):
        return next(node for node in self.nodes if node.name == name)


def _gate_blocks(gate, column, columns, arrays):
    """The blocks of one gate column: ``[(symbol prefix, array, bias row), ...]``."""
    return tuple(Block(f"{prefix}_{gate}", array, column, columns, row)
                 for prefix, array, row in arrays)


def simple_rnn():
    """The SimpleRNN's step, ``h_t = tanh(x_t W + h_{t-1} U + b)``, as a :class:`Diagram`."""
    blocks = (Block("U", "recurrent_kernel"), Block("b", "bias"), Block("W", "kernel"))
    return Diagram("SimpleRNN", ("",), (("recurrent_kernel", None), ("bias", None),
                                        ("kernel", None)),
                   (Node("h", "tanh", blocks=blocks, symbol="h_t"),), ("h",))


def lstm():
    """The LSTM's step (Keras' ``LSTM``, gate order i, f, c, o) as a :class:`Diagram`."""
    arrays = (("U", "recurrent_kernel", None), ("b", "bias", None), ("W", "kernel", None))
    gate = {g: _gate_blocks(g, k, 4, arrays) for k, g in enumerate("ifco")}
    nodes = (
        Node("i", "sigmoid", blocks=gate["i"], symbol="i_t"),
        Node("f", "sigmoid", blocks=gate["f"], symbol="f_t"),
        Node("candidate", "tanh", blocks=gate["c"], symbol="~c_t"),
        Node("o", "sigmoid", blocks=gate["o"], symbol="o_t"),
        Node("keep", "mul", ("f", "c_prev")),             # f_t ⊙ c_{t-1}
        Node("write", "mul", ("i", "candidate")),         # i_t ⊙ c~_t
        Node("c", "add", ("keep", "write"), symbol="c_t"),
        Node("squash", "tanh", ("c",)),
        Node("h", "mul", ("o", "squash"), symbol="h_t"),
    )
    return Diagram("LSTM", tuple("ifco"), (("recurrent_kernel", None), ("bias", None),
                                           ("kernel", None)), nodes, ("h", "c"))


def gru():
    """The GRU's step as Keras 3 computes it by default (``reset_after=True``, gate order
    z, r, h; ``bias`` of shape ``(2, 3n)``: row 0 added to ``x_t W``, row 1 to
    ``h_{t-1} U``) as a :class:`Diagram`."""
    recurrent = (("U", "recurrent_kernel", None), ("b'", "bias", 1))
    inputs = (("b", "bias", 0), ("W", "kernel", None))
    z, r, h = (_gate_blocks(g, k, 3, recurrent + inputs) for k, g in enumerate("zrh"))
    nodes = (
        Node("z", "sigmoid", blocks=z, symbol="z_t"),
        Node("r", "sigmoid", blocks=r, symbol="r_t"),
        Node("reset", "mul", ("r",), blocks=h[:2]),       # r_t ⊙ (h_{t-1} U_h + b'_h)
        Node("candidate", "tanh", ("reset",), blocks=h[2:], symbol="~h_t"),
        Node("keep", "mul", ("z", "h_prev")),             # z_t ⊙ h_{t-1}
        Node("one_minus_z", "one_minus", ("z",)),
        Node("take", "mul", ("one_minus_z", "candidate")),  # (1 - z_t) ⊙ h~_t
        Node("h", "add", ("keep", "take"), symbol="h_t"),
    )
    return Diagram("GRU", tuple("zrh"), (("recurrent_kernel", None), ("bias", 1),
                                         ("bias", 0), ("kernel", None)), nodes, ("h",))


DIAGRAMS = {"SimpleRNN": simple_rnn, "LSTM": lstm, "GRU": gru}


def weights_of(layer):
    """A built Keras layer's arrays by name: ``{"kernel": ..., "recurrent_kernel": ...,
    "bias": ...}`` (no ``"bias"`` for ``use_bias=False``)."""
    return dict(zip(ARRAYS, layer.get_weights(), strict=False))


# ---- the description, run ----------------------------------------------------------------

_OPS = {
    "sigmoid": lambda operands: sigmoid(sum(operands)),
    "tanh": lambda operands: np.tanh(sum(operands)),
    "add": sum,
    "mul": lambda operands: np.prod(np.stack(operands), axis=0),
    "one_minus": lambda operands: 1 - operands[0],
}
_READS = {"kernel": "x", "recurrent_kernel": "h_prev", "bias": None}


def run(diagram, weights, x_t, h_prev, c_prev=None):
    """Compute one step by walking the diagram's nodes, in NumPy.

    Parameters
    ----------
    diagram : a :class:`Diagram`.
    weights : dict of Keras' arrays by name (:func:`weights_of`).
    x_t : ``(samples, input_dim)``; h_prev, c_prev : ``(samples, units)`` (c_prev: LSTM only).

    Returns
    -------
    dict of every value, by node name (and ``"x"``, ``"h_prev"``, ``"c_prev"``).
    """
    values = {"x": np.asarray(x_t), "h_prev": np.asarray(h_prev)}
    if "c" in diagram.states:
        if c_prev is None:
            raise ValueError("an LSTM step needs c_prev (samples, units); got None")
        values["c_prev"] = np.asarray(c_prev)
    for node in diagram.nodes:
        operands = [values[name] for name in node.inputs]
        if node.blocks:
            terms = [block.take(weights) if _READS[block.array] is None
                     else values[_READS[block.array]] @ block.take(weights)
                     for block in node.blocks]
            operands.append(sum(terms))
        values[node.name] = _OPS[node.op](operands)
    return values


def unroll(diagram, weights, x):
    """Run the diagram's step over a sequence from zero states, like a Keras layer with
    ``return_sequences=True``.

    Parameters
    ----------
    x : ``(samples, timesteps, input_dim)``.

    Returns
    -------
    ndarray ``(samples, timesteps, units)``: ``h_t`` at every step.
    """
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"x must be (samples, timesteps, input_dim); got shape {x.shape}")
    units = np.shape(weights["recurrent_kernel"])[0]
    states = {name: np.zeros((x.shape[0], units), dtype=x.dtype) for name in diagram.states}
    outputs = []
    for t in range(x.shape[1]):
        values = run(diagram, weights, x[:, t], states["h"], states.get("c"))
        states = {name: values[name] for name in diagram.states}
        outputs.append(states["h"])
    return np.stack(outputs, axis=1)


# ---- drawing primitives ------------------------------------------------------------------

def _num(value):
    """A coordinate as the SVG text holds it: integers where possible, else one decimal."""
    value = round(float(value), 1)
    return str(int(value)) if value == int(value) else f"{value:.1f}"


def _math(symbol, size=_FONT):
    """The markup of a symbol such as ``h_t-1``, ``~c_t`` or ``b'_z``: italic, a tilde
    (``~``) or prime (``'``) on the letter, the subscript after ``_`` lowered."""
    tilde = symbol.startswith("~")
    base, _, sub = symbol.lstrip("~").partition("_")
    prime = base.endswith("'")
    letter = escape(base.rstrip("'")) + ("\u0303" if tilde else "") + ("\u2032" if prime else "")
    markup = f'<tspan font-style="italic" font-size="{size}">{letter}</tspan>'
    if sub:
        markup += (f'<tspan font-style="italic" font-size="{_SUB}" dy="5">'
                   f'{escape(sub.replace("-", chr(0x2212)))}</tspan>')
    return markup


class _Canvas:
    """Collects SVG elements; every coordinate is written through :func:`_num`."""

    def __init__(self):
        self.parts = []

    def text(self, x, y, markup, *, anchor="middle", size=_FONT, family=_MATH):
        self.parts.append(f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" '
                          f'font-size="{size}" font-family="{family}">{markup}</text>')

    def mono(self, x, y, words, *, anchor="start", size=MIN_FONT):
        self.text(x, y, escape(words), anchor=anchor, size=size, family=_MONO)

    def wire(self, points, *, hops=(), arrow=True, width=1.6):
        """An orthogonal wire through ``points``, jumping (a small arc) over the x
        positions in ``hops`` on its horizontal segments, with an arrowhead at its end."""
        path = f"M{_num(points[0][0])},{_num(points[0][1])}"
        for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
            if y0 == y1:
                step = 1 if x1 > x0 else -1
                for hop in sorted(hops, reverse=step < 0):
                    if min(x0, x1) + 6 < hop < max(x0, x1) - 6:
                        path += (f" H{_num(hop - 6 * step)} a6,6 0 0 {1 if step > 0 else 0} "
                                 f"{_num(12 * step)},0")
            path += f" L{_num(x1)},{_num(y1)}"
        self.parts.append(f'<path d="{path}" fill="none" stroke="currentColor" '
                          f'stroke-width="{_num(width)}"/>')
        if arrow:
            self.arrowhead(points[-2], points[-1])

    def arrowhead(self, start, end):
        (x0, y0), (x1, y1) = start, end
        dx, dy = np.sign(x1 - x0), np.sign(y1 - y0)
        back, side = (x1 - 8 * dx, y1 - 8 * dy), (4 * dy, 4 * dx)
        corners = [(x1, y1), (back[0] + side[0], back[1] - side[1]),
                   (back[0] - side[0], back[1] + side[1])]
        self.parts.append('<path d="M' + " L".join(f"{_num(x)},{_num(y)}" for x, y in corners)
                          + ' z" fill="currentColor"/>')

    def box(self, x, y, w, h, label, *, size=18, family=_MATH):
        """A rounded box (a gate, or a function applied element-wise) with ``label`` inside."""
        self.parts.append(f'<rect x="{_num(x - w / 2)}" y="{_num(y - h / 2)}" width="{_num(w)}" '
                          f'height="{_num(h)}" rx="5" fill="none" stroke="currentColor" '
                          'stroke-width="1.6"/>')
        self.text(x, y + size * 0.35, label, size=size, family=family)

    def operator(self, x, y, op):
        """A round ⊙ (element-wise product) or + node of radius 9."""
        self.parts.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="9" fill="none" '
                          'stroke="currentColor" stroke-width="1.6"/>')
        if op == "mul":
            self.parts.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="2.4" '
                              'fill="currentColor"/>')
        else:
            self.parts.append(f'<path d="M{_num(x - 5)},{_num(y)} H{_num(x + 5)} '
                              f'M{_num(x)},{_num(y - 5)} V{_num(y + 5)}" stroke="currentColor" '
                              'stroke-width="1.6"/>')

    def dot(self, x, y):
        self.parts.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3" fill="currentColor"/>')

    def block(self, block, x, y, w, h):
        """A labelled weight block, its symbol inside, its Keras slice in a tooltip; its faint
        fill tells the three arrays apart (their names say it too)."""
        fill = f'fill="{_TINT[block.array]}" fill-opacity="0.16"'
        self.parts.append(
            f'<g data-block="{escape(block.symbol)}" data-keras="{escape(block.keras)}">'
            f'<title>{escape(_plain(block.symbol))} = {escape(block.keras)}, {block.shape}</title>'
            f'<rect x="{_num(x - w / 2)}" y="{_num(y - h / 2)}" width="{_num(w)}" '
            f'height="{_num(h)}" {fill} stroke="currentColor" stroke-width="1.2"/>')
        self.text(x, y + 4, _math(block.symbol))
        self.parts.append("</g>")


def _plain(symbol):
    """A symbol in plain text for titles and alt text: ``h_{t-1}``, ``c~_t``, ``b'_z``."""
    tilde = symbol.startswith("~")
    base, _, sub = symbol.lstrip("~").partition("_")
    base += "~" if tilde else ""
    if not sub:
        return base
    return f"{base}_{{{sub}}}" if len(sub) > 1 else f"{base}_{sub}"


def _svg(canvas, width, height, *, name, title, description):
    """Wrap the canvas in an accessible ``<svg>``: ``role="img"``, ``<title>``, ``<desc>``."""
    ident = f"rnnbook-diagram-{name}"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="rnnbook-diagram" '
            f'viewBox="0 0 {width} {height}" role="img" '
            f'aria-labelledby="{ident}-title {ident}-desc" '
            f'style="display:block;width:100%;max-width:{round(width * MAX_SCALE)}px;'
            f'height:auto;margin:0 auto">'
            f'<title id="{ident}-title">{escape(title)}</title>'
            f'<desc id="{ident}-desc">{escape(description)}</desc>'
            f'<g fill="currentColor" stroke-linecap="round" stroke-linejoin="round">'
            f'{"".join(canvas.parts)}</g></svg>')


# ---- the weight bars under the gates -----------------------------------------------------

_ROW_H, _TITLE_H = 28, 20          # a bar's height, the title line above it


def _row_title(array, row, columns):
    """A bar's title: the array's name (or row) and its shape, ``kernel  (m, 4n)``."""
    shapes = {"kernel": f"(m, {columns}n)", "recurrent_kernel": f"(n, {columns}n)",
              "bias": f"({columns}n,)"}
    return f"{array if row is None else f'bias[{row}]'}  {shapes[array]}"


def _draw_bars(canvas, diagram, left, width, top):
    """Draw Keras' arrays as titled bars of column blocks, the first at ``top``.

    Returns the centre height of each row, by ``(array, bias row)``, and the bars' bottom.
    """
    columns = len(diagram.gates)
    by_place = {(b.array, b.row, b.column): b for b in diagram.blocks}
    centres, y = {}, top
    for array, row in diagram.rows:
        canvas.mono(left + 2, y + 14, _row_title(array, row, columns))
        y += _TITLE_H
        for column in range(columns):
            canvas.block(by_place[(array, row, column)], left + width * (column + 0.5),
                         y + _ROW_H / 2, width - 8, _ROW_H)
        centres[(array, row)] = y + _ROW_H / 2
        y += _ROW_H + 4
    return centres, y



def _input_and_columns(canvas, left, col, blocks, y_x, bottom, height):
    """x_t entering from below into the kernel's row, and the column ruler under the blocks."""
    canvas.wire([(40, height - 24), (40, y_x), (left + 4, y_x)])
    canvas.text(40, height - 6, _math("x_t"))
    _ruler(canvas, left, col, blocks, bottom + 14)
    canvas.mono(left + blocks / 2 * col, bottom + 32, "columns of each array", anchor="middle")

def _ruler(canvas, left, width, columns, y):
    for column in range(columns):
        canvas.mono(left + width * (column + 0.5), y, _column_range(column, columns),
                    anchor="middle")


def _bands(canvas, left, width, columns, top, bottom):
    """A faint band behind each gate's column: its blocks are added, then fed up."""
    for column in range(columns):
        canvas.parts.append(
            f'<rect x="{_num(left + width * column + 1)}" y="{_num(top)}" '
            f'width="{_num(width - 2)}" height="{_num(bottom - top)}" rx="6" '
            'fill="currentColor" fill-opacity="0.06"/>')


def _block_list(diagram):
    return "; ".join(f"{_plain(b.symbol)} = {b.keras}" for b in diagram.blocks)


def _draw_wires(canvas, diagram, wires, *, state_line=(), hops=None):
    """Draw one wire per input of every node, checking that the routes and inputs agree;
    the wires in ``state_line`` (the state the cell carries along its top) are drawn thick."""
    hops = hops or {}
    needed = {(source, node.name) for node in diagram.nodes for source in node.inputs}
    if set(wires) != needed:
        raise ValueError(f"the layout's wires {sorted(set(wires) ^ needed)} do not match the "
                         f"{diagram.kind} diagram's inputs")
    for key, points in wires.items():
        canvas.wire(points, hops=hops.get(key, ()), width=3 if key in state_line else 1.6)


# ---- LSTM --------------------------------------------------------------------------------

def lstm_svg():
    """The LSTM cell as SVG: the cell state along the top, the four gates in Keras' order
    i, f, c, o, and under them the blocks ``W_g``, ``U_g``, ``b_g`` of every gate.

    Returns
    -------
    str, an ``<svg>`` element (a few kilobytes) with ``role="img"``, a title and a long
    description that names every block and its slice.
    """
    diagram = lstm()
    canvas = _Canvas()
    left, col, width, height = 62, 66, 368, 440
    x = {g: left + col * (k + 0.5) for k, g in enumerate(diagram.gates)}
    y_c, y_squash, y_mul, y_gate, y_strip = 34, 80, 122, 178, 216
    right = left + col * 4 + 18

    # gates and what they feed
    for gate, node in zip(diagram.gates, ("i", "f", "candidate", "o"), strict=True):
        op = diagram.node(node).op
        canvas.box(x[gate], y_gate, 52, 30, "σ" if op == "sigmoid" else "tanh",
                   size=20 if op == "sigmoid" else 16)
        canvas.text(x[gate] + 8, y_gate - 34, _math(diagram.node(node).symbol), anchor="start")
    wires = {
        ("c_prev", "keep"): [(48, y_c), (x["f"] - 9, y_c)],
        ("f", "keep"): [(x["f"], y_gate - 15), (x["f"], y_c + 9)],
        ("i", "write"): [(x["i"], y_gate - 15), (x["i"], y_mul), (x["c"] - 9, y_mul)],
        ("candidate", "write"): [(x["c"], y_gate - 15), (x["c"], y_mul + 9)],
        ("keep", "c"): [(x["f"] + 9, y_c), (x["c"] - 9, y_c)],
        ("write", "c"): [(x["c"], y_mul - 9), (x["c"], y_c + 9)],
        ("c", "squash"): [(x["c"] + 9, y_c), (x["o"], y_c), (x["o"], y_squash - 12)],
        ("squash", "h"): [(x["o"], y_squash + 12), (x["o"], y_mul - 9)],
        ("o", "h"): [(x["o"], y_gate - 15), (x["o"], y_mul + 9)],
    }
    _draw_wires(canvas, diagram, wires, hops={("i", "write"): [x["f"]]},
                state_line={("c_prev", "keep"), ("keep", "c"), ("c", "squash")})
    canvas.wire([(x["o"], y_c), (right, y_c)], width=3)            # c_t leaves
    canvas.dot(x["o"], y_c)
    canvas.wire([(x["o"] + 9, y_mul), (right, y_mul)], width=2.2)  # h_t leaves
    canvas.operator(x["f"], y_c, "mul")
    canvas.operator(x["c"], y_c, "add")
    canvas.operator(x["c"], y_mul, "mul")
    canvas.operator(x["o"], y_mul, "mul")
    canvas.box(x["o"], y_squash, 44, 24, "tanh", size=15)
    canvas.text(6, y_c + 5, _math("c_t-1"), anchor="start")
    canvas.text(right + 4, y_c + 5, _math("c_t"), anchor="start")
    canvas.text(right + 4, y_mul + 5, _math("h_t"), anchor="start")

    # the blocks, fed up into the gates
    _bands(canvas, left, col, 4, y_strip - 6, y_strip + 3 * (_TITLE_H + _ROW_H + 4))
    rows, bottom = _draw_bars(canvas, diagram, left, col, y_strip)
    for gate in diagram.gates:
        canvas.wire([(x[gate], y_strip - 6), (x[gate], y_gate + 15)])
    y_h, y_x = rows[("recurrent_kernel", None)], rows[("kernel", None)]
    canvas.wire([(48, y_h), (left + 4, y_h)], width=2.2)
    canvas.text(6, y_h - 8, _math("h_t-1"), anchor="start")
    _input_and_columns(canvas, left, col, 4, y_x, bottom, height)

    description = (
        "An LSTM cell. The cell state c_{t-1} enters from the left along the top line; it is "
        "multiplied element-wise by the forget gate f_t, the product i_t ⊙ c~_t of the input "
        "gate and the candidate is added, and the sum leaves on the right as c_t. A copy of "
        "c_t passes through tanh and is multiplied by the output gate o_t: that is h_t, which "
        "leaves on the right. The four gate boxes stand in Keras' order i, f, c, o: sigmoid "
        "(σ) for i_t, f_t and o_t, tanh for the candidate c~_t. Under each gate, a column of "
        "three weight blocks is added up and fed into it: h_{t-1}, entering from the left, "
        "multiplies the recurrent_kernel (n, 4n), x_t, entering from below, the kernel "
        "(m, 4n), and the bias (4n,) is added. The blocks are " + _block_list(diagram) + ".")
    return _svg(canvas, width, height, name="lstm", title="The LSTM cell and Keras' weight "
                "blocks (gate order i, f, c, o)", description=description)


# ---- GRU ---------------------------------------------------------------------------------

def gru_svg():
    """The GRU cell (Keras 3's default ``reset_after=True``) as SVG: the hidden state along
    the top, the gates in Keras' order z, r, h, and under them the blocks of every gate,
    with the bias's two rows.

    Returns
    -------
    str, an ``<svg>`` element with ``role="img"``, a title and a long description.
    """
    diagram = gru()
    canvas = _Canvas()
    left, col, width, height = 62, 74, 372, 510
    x = {g: left + col * (k + 0.5) for k, g in enumerate(diagram.gates)}
    y_h, y_mix, y_gate, y_reset, y_strip = 34, 86, 150, 204, 240
    right = left + col * 3 + 22            # the input side's path up to the candidate
    out = width - 40

    for gate, node in zip(diagram.gates, ("z", "r", "candidate"), strict=True):
        op = diagram.node(node).op
        canvas.box(x[gate], y_gate, 52, 30, "σ" if op == "sigmoid" else "tanh",
                   size=20 if op == "sigmoid" else 16)
    canvas.text(x["z"] + 8, y_gate - 30, _math("z_t"), anchor="start")
    canvas.text(x["h"] + 8, y_gate - 30, _math("~h_t"), anchor="start")
    between = x["r"] + col / 2 + 2         # r_t runs down the border of columns r and h
    canvas.text(between + 5, y_gate + 30, _math("r_t"), anchor="start")
    wires = {
        ("h_prev", "keep"): [(44, y_h), (x["z"] - 9, y_h)],  # from the left edge
        ("z", "keep"): [(x["z"], y_gate - 15), (x["z"], y_h + 9)],
        ("z", "one_minus_z"): [(x["z"], y_mix), (x["r"] - 23, y_mix)],
        ("one_minus_z", "take"): [(x["r"] + 23, y_mix), (x["h"] - 9, y_mix)],
        ("candidate", "take"): [(x["h"], y_gate - 15), (x["h"], y_mix + 9)],
        ("keep", "h"): [(x["z"] + 9, y_h), (x["h"] - 9, y_h)],
        ("take", "h"): [(x["h"], y_mix - 9), (x["h"], y_h + 9)],
        ("r", "reset"): [(x["r"] + 26, y_gate), (between, y_gate), (between, y_reset),
                         (x["h"] - 9, y_reset)],
        ("reset", "candidate"): [(x["h"], y_reset - 9), (x["h"], y_gate + 15)],
    }
    _draw_wires(canvas, diagram, wires, state_line={("h_prev", "keep"), ("keep", "h")})
    canvas.dot(x["z"], y_mix)
    canvas.wire([(x["h"] + 9, y_h), (out, y_h)], width=3)           # h_t leaves
    canvas.operator(x["z"], y_h, "mul")
    canvas.operator(x["h"], y_h, "add")
    canvas.operator(x["h"], y_mix, "mul")
    canvas.operator(x["h"], y_reset, "mul")
    canvas.box(x["r"], y_mix, 46, 26, "1−" + _math("z_t", size=15), size=15)
    canvas.text(6, y_h - 9, _math("h_t-1"), anchor="start")
    canvas.text(out + 4, y_h + 5, _math("h_t"), anchor="start")

    rows_top = y_strip
    _bands(canvas, left, col, 3, rows_top - 6, rows_top + 4 * (_TITLE_H + _ROW_H + 4))
    rows, bottom = _draw_bars(canvas, diagram, left, col, rows_top)
    # z and r add all four of their blocks; the candidate's recurrent half is reset first
    for gate in "zr":
        canvas.wire([(x[gate], rows_top - 6), (x[gate], y_gate + 15)])
    canvas.wire([(x["h"], rows_top - 6), (x["h"], y_reset + 9)])
    y_b0, y_x = rows[("bias", 0)], rows[("kernel", None)]
    edge = left + col * 3 - 4
    canvas.wire([(edge, y_x), (right, y_x), (right, y_gate), (x["h"] + 26, y_gate)])
    canvas.wire([(edge, y_b0), (right, y_b0)], arrow=False)
    canvas.dot(right, y_b0)
    y_u = rows[("recurrent_kernel", None)]
    canvas.wire([(44, y_h), (44, y_u), (left + 4, y_u)], width=2.2)
    canvas.dot(44, y_h)
    canvas.wire([(6, y_h), (44, y_h)], width=3, arrow=False)
    _input_and_columns(canvas, left, col, 3, y_x, bottom, height)

    description = (
        "A GRU cell as Keras 3 computes it by default (reset_after=True). The previous state "
        "h_{t-1} enters from the left along the top line; it is multiplied element-wise by "
        "the update gate z_t, the product (1 - z_t) ⊙ h~_t is added, and the sum leaves on the "
        "right as h_t. The three gate boxes stand in Keras' order z, r, h: sigmoid (σ) for "
        "z_t and r_t, tanh for the candidate h~_t. Under each gate a column of weight blocks "
        "is added up and fed into it: h_{t-1} multiplies the recurrent_kernel (n, 3n), and "
        "row 1 of the bias (2, 3n) is added; x_t, entering from below, multiplies the kernel "
        "(m, 3n), and row 0 of the bias is added. For the candidate, the recurrent part "
        "h_{t-1} U_h + b'_h is first multiplied by the reset gate r_t, and the input part "
        "x_t W_h + b_h goes around it, both then entering tanh. The blocks are "
        + _block_list(diagram) + ".")
    return _svg(canvas, width, height, name="gru", title="The GRU cell (reset_after=True) and "
                "Keras' weight blocks (gate order z, r, h)", description=description)


# ---- SimpleRNN, rolled and unrolled ------------------------------------------------------

_CELL_W = 44                       # a SimpleRNN block's width in the unrolled chain


def _simple_cell(canvas, diagram, cx, top, *, width=_CELL_W):
    """One SimpleRNN cell, its tanh box at ``top`` and its U, b, W blocks under it.

    Returns the centre heights of the rows (U, b, W) and the bottom of the blocks.
    """
    canvas.box(cx, top, width + 6, 28, "tanh", size=15)
    node = diagram.node("h")
    y = top + 14 + 14
    rows = {}
    for (array, row), block in zip(diagram.rows, node.blocks, strict=True):
        canvas.block(block, cx, y + _ROW_H / 2, width, _ROW_H)
        rows[(array, row)] = y + _ROW_H / 2
        y += _ROW_H
    canvas.wire([(cx, top + 28), (cx, top + 16)])
    return rows, y


def simple_rnn_svg():
    """The SimpleRNN cell as SVG: ``h_t = tanh(x_t W + h_{t-1} U + b)``, its state fed back
    to it, its three blocks labelled with Keras' arrays.

    Returns
    -------
    str, an ``<svg>`` element with ``role="img"``, a title and a long description.
    """
    return _rolled_and_unrolled(None)


def rolled_and_unrolled_svg(timesteps=4):
    """The SimpleRNN cell of :func:`simple_rnn_svg` and, under it, the same cell drawn once
    per time step, ``h_{-1}`` to ``h_{T-1}``: the same W, U and b at every step.

    Parameters
    ----------
    timesteps : int from 1 to 4 (more would not stay readable on a phone).

    Returns
    -------
    str, an ``<svg>`` element with ``role="img"``, a title and a long description.
    """
    timesteps = check_size("timesteps", timesteps)
    if timesteps > 4:
        raise ValueError(f"timesteps must be at most 4 to stay readable at 390 px; got "
                         f"{timesteps}")
    return _rolled_and_unrolled(timesteps)


def _rolled_and_unrolled(timesteps):
    diagram = simple_rnn()
    canvas = _Canvas()
    width = 368
    cx, top = 116, 92
    rows, bottom = _simple_cell(canvas, diagram, cx, top, width=56)
    y_u = rows[("recurrent_kernel", None)]
    # the state loops back: h_t leaves the top and re-enters as h_{t-1}
    y_loop, x_loop = 44, 58
    canvas.wire([(cx, top - 14), (cx, 14)], width=2.2)
    canvas.dot(cx, y_loop)
    canvas.wire([(cx, y_loop), (x_loop, y_loop), (x_loop, y_u), (cx - 28, y_u)], width=2.2)
    canvas.text(cx + 8, 26, _math("h_t"), anchor="start")
    canvas.text(6, 20, "rolled:", anchor="start", size=MIN_FONT, family="inherit")
    canvas.text(x_loop - 8, y_u - 8, _math("h_t-1"), anchor="end")
    canvas.wire([(cx, bottom + 34), (cx, bottom)])
    canvas.text(cx, bottom + 52, _math("x_t"))
    names = {"recurrent_kernel": "= recurrent_kernel (n, n)", "bias": "= bias (n,)",
             "kernel": "= kernel (m, n)"}
    for (array, _), y in rows.items():
        canvas.mono(cx + 36, y + 5, names[array])
    height = bottom + 64
    title = "The SimpleRNN cell and Keras' weights"
    description = (
        "A SimpleRNN cell: a box labelled tanh computes h_t = tanh(x_t W + h_{t-1} U + b). "
        "Under it three weight blocks are added up and fed into it: U = recurrent_kernel "
        "(n, n), multiplied by h_{t-1}, which enters from the left; b = bias (n,); and "
        "W = kernel (m, n), multiplied by x_t, which enters from below. The output h_t leaves "
        "at the top, and a copy loops back round to the left to enter the next step as "
        "h_{t-1}.")
    if timesteps is not None:
        height = _chain(canvas, diagram, timesteps, height + 10)
        title = f"A SimpleRNN cell, rolled, and unrolled over {timesteps} time steps"
        description += (
            f" Below, the same cell is drawn once for each of {timesteps} time steps, from "
            f"left to right: the initial state h_{{-1}} enters the first cell's U block from "
            f"the left; each cell reads x_t from below and passes h_t up as its output and to "
            f"the right into the next cell's U block. Every cell holds the same three blocks, "
            f"U, b and W: one set of weights for every step.")
    return _svg(canvas, width, height, name="simple-rnn" if timesteps is None else
                f"simple-rnn-unrolled-{timesteps}", title=title, description=description)


def _chain(canvas, diagram, timesteps, top):
    """Draw the cell ``timesteps`` times from left to right under ``top``; return the
    bottom of the drawing."""
    pitch, first = 82, 92
    canvas.text(6, top + 16, escape(f"unrolled over {timesteps} time step"
                                    + ("s" if timesteps > 1 else "") + ":"),
                anchor="start", size=MIN_FONT, family="inherit")
    y_out, y_link, y_box = top + 46, top + 76, top + 106
    for t in range(timesteps):
        cx = first + pitch * t
        rows, bottom = _simple_cell(canvas, diagram, cx, y_box)
        y_u = rows[("recurrent_kernel", None)]
        canvas.wire([(cx, y_box - 14), (cx, y_out - 8)], width=2.2)
        canvas.text(cx, y_out - 14, _math(f"h_{t}"))
        if t == 0:
            canvas.wire([(40, y_u), (cx - _CELL_W / 2, y_u)], width=2.2)
            canvas.text(6, y_u - 8, _math("h_-1"), anchor="start")
        else:
            link = cx - _CELL_W / 2 - 12
            canvas.dot(cx - pitch, y_link)
            canvas.wire([(cx - pitch, y_link), (link, y_link), (link, y_u),
                         (cx - _CELL_W / 2, y_u)], width=2.2)
        canvas.wire([(cx, bottom + 26), (cx, bottom)])
        canvas.text(cx, bottom + 44, _math(f"x_{t}"))
    return bottom + 52
