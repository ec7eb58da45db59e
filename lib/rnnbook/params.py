"""Parameter counts of recurrent layers, derived from the shapes of their weights.

A layer with ``k`` gate blocks (SimpleRNN 1, GRU 3, LSTM 4), ``n = units`` and
``m = input_dim`` holds ``kernel (m, k*n)``, ``recurrent_kernel (n, k*n)`` and
``bias (k*n,)``; Keras 3's default GRU (``reset_after=True``) has a second bias row,
``bias (2, 3*n)``. The count is the sum of the sizes of these arrays.
"""

from dataclasses import dataclass
from math import prod

import numpy as np

GATES = {"SimpleRNN": ("h",), "LSTM": ("i", "f", "c", "o"), "GRU": ("z", "r", "h")}
GATE_NAMES = {"h": "hidden", "i": "input gate", "f": "forget gate", "c": "cell candidate",
              "o": "output gate", "z": "update gate", "r": "reset gate"}
GATE_NAMES_GRU = {**GATE_NAMES, "h": "candidate"}
_ALIASES = {"simplernn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}


@dataclass(frozen=True)
class ParamRow:
    """One block of weights: which direction, gate and weight matrix, its shape and size."""

    direction: str
    gate: str
    weight: str
    shape: tuple
    count: int


def normalize_kind(kind):
    """Map ``"SimpleRNN"``, ``"simple_rnn"``, ``"lstm"``, ``"Gru"``... to Keras' class name."""
    if not isinstance(kind, str):
        raise TypeError(f"kind must be a string, one of 'SimpleRNN', 'LSTM', 'GRU'; got {kind!r}")
    key = kind.lower().replace("_", "").replace("-", "").replace(" ", "")
    if key not in _ALIASES:
        raise ValueError(
            f"unknown kind {kind!r}: expected one of 'SimpleRNN', 'LSTM', 'GRU' "
            "(any case; 'simple_rnn' too)"
        )
    return _ALIASES[key]


def check_size(name, value):
    """Return ``value`` if it is a positive integer, else raise a clear error."""
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(f"{name} must be a positive integer; got {value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer; got {value}")
    return int(value)


def weight_shapes(kind, units, input_dim, *, use_bias=True, reset_after=True):
    """The shapes of ``layer.get_weights()`` for one direction, by weight name."""
    kind = normalize_kind(kind)
    n, m = check_size("units", units), check_size("input_dim", input_dim)
    k = len(GATES[kind])
    shapes = {"kernel": (m, k * n), "recurrent_kernel": (n, k * n)}
    if use_bias:
        shapes["bias"] = (2, k * n) if kind == "GRU" and reset_after else (k * n,)
    return shapes


def breakdown(kind, units, input_dim, *, use_bias=True, reset_after=True, bidirectional=False):
    """Split the parameters into per-gate blocks of each weight matrix.

    Returns
    -------
    list of ParamRow, in Keras' gate order, forward direction first.
    """
    kind = normalize_kind(kind)
    shapes = weight_shapes(kind, units, input_dim, use_bias=use_bias, reset_after=reset_after)
    n = int(units)
    names = GATE_NAMES_GRU if kind == "GRU" else GATE_NAMES
    directions = ("forward", "backward") if bidirectional else ("forward",)
    rows = []
    for direction in directions:
        for gate in GATES[kind]:
            label = f"{gate} ({names[gate]})"
            rows.append(ParamRow(direction, label, "kernel", (shapes["kernel"][0], n),
                                 shapes["kernel"][0] * n))
            rows.append(ParamRow(direction, label, "recurrent_kernel", (n, n), n * n))
            if "bias" in shapes:
                rows.append(ParamRow(direction, label, "bias", (n,), n))
                if len(shapes["bias"]) == 2:
                    rows.append(ParamRow(direction, label, "recurrent bias", (n,), n))
    return rows


def count_params(kind, units, input_dim, *, use_bias=True, reset_after=True, bidirectional=False):
    """Total trainable parameters of a recurrent layer; equals Keras' ``count_params()``.

    ``kind`` is ``"SimpleRNN"``, ``"LSTM"`` or ``"GRU"`` (any case, ``"simple_rnn"`` too);
    ``reset_after`` only matters for the GRU; ``bidirectional`` doubles the count.
    """
    rows = breakdown(kind, units, input_dim, use_bias=use_bias, reset_after=reset_after,
                     bidirectional=bidirectional)
    return sum(row.count for row in rows)


def dense_params(units, input_dim, *, use_bias=True):
    """Parameters of ``Dense(units)`` on ``input_dim`` features (shared over time by
    ``TimeDistributed``)."""
    n, m = check_size("units", units), check_size("input_dim", input_dim)
    return prod((m, n)) + (n if use_bias else 0)


# ---- more layers, whole models, memory and compute -------------------------------------

#: The layers a model summary can hold, by Keras' class name (TimeDistributed(Dense) is how
#: the seed article writes a Dense applied at every time step).
LAYER_KINDS = ("Embedding", "SimpleRNN", "LSTM", "GRU", "Dense", "TimeDistributed(Dense)",
               "Dropout", "Activation")
MERGE_MODES = ("concat", "sum", "ave", "mul")
_LAYER_ALIASES = {k.lower().replace("_", ""): k for k in LAYER_KINDS}
_LAYER_ALIASES.update({"simplernn": "SimpleRNN", "timedistributeddense": "TimeDistributed(Dense)"})


def normalize_layer_kind(kind):
    """Map a layer name (any case) to one of :data:`LAYER_KINDS`."""
    if not isinstance(kind, str):
        raise TypeError(f"layer kind must be a string, one of {', '.join(LAYER_KINDS)}; "
                        f"got {kind!r}")
    key = kind.lower().replace("_", "").replace("-", "").replace(" ", "")
    if key not in _LAYER_ALIASES:
        raise ValueError(f"unknown layer kind {kind!r}: expected one of {', '.join(LAYER_KINDS)}")
    return _LAYER_ALIASES[key]


def embedding_params(vocabulary, output_dim):
    """Parameters of ``Embedding(vocabulary, output_dim)``: one row of ``output_dim`` numbers
    per token, no bias; ``embeddings`` has shape ``(vocabulary, output_dim)``."""
    v, d = check_size("vocabulary", vocabulary), check_size("output_dim", output_dim)
    return v * d


def weight_bytes(count, dtype="float32"):
    """Bytes taken by ``count`` weights stored as ``dtype`` (4 each in float32)."""
    if isinstance(count, bool) or not hasattr(count, "__index__") or count < 0:
        raise ValueError(f"count must be a non-negative integer; got {count!r}")
    return int(count) * np.dtype(dtype).itemsize


def multiply_adds(kind, units, input_dim, *, bidirectional=False):
    """Multiply-adds of one time step for one sample: the two matrix products
    ``x_t @ kernel`` (m * k*n) and ``h_(t-1) @ recurrent_kernel`` (n * k*n).

    The bias additions and the element-wise gate products (a few times ``n``) are left out;
    a GRU does the same number whether the reset gate is applied before or after its product.
    """
    kind = normalize_kind(kind)
    n, m = check_size("units", units), check_size("input_dim", input_dim)
    return (2 if bidirectional else 1) * len(GATES[kind]) * n * (m + n)


def formula(kind, units, input_dim, *, use_bias=True, reset_after=True, bidirectional=False):
    """The count of a recurrent layer written out with its numbers, e.g.
    ``"4·32·(256 + 32 + 1)"``: gates · units · (input_dim + units + bias rows)."""
    kind = normalize_kind(kind)
    n, m = check_size("units", units), check_size("input_dim", input_dim)
    k = len(GATES[kind])
    rows = (2 if kind == "GRU" and reset_after else 1) if use_bias else 0
    inner = f"{m} + {n}" + (f" + {rows}" if rows else "")
    text = (f"{k}·" if k > 1 else "") + f"{n}·({inner})"
    return f"2 × {text}" if bidirectional else text


@dataclass(frozen=True)
class LayerSpec:
    """One layer of a model: enough to count its parameters and follow the shapes.

    ``units`` is the layer's width (an Embedding's ``output_dim``); ``vocabulary`` is an
    Embedding's ``input_dim``. ``reset_after`` only matters for a GRU; ``bidirectional``,
    ``merge_mode`` and ``return_sequences`` only for the recurrent layers.
    """

    kind: str
    units: int | None = None
    vocabulary: int | None = None
    use_bias: bool = True
    reset_after: bool = True
    bidirectional: bool = False
    merge_mode: str = "concat"
    return_sequences: bool = False

    def __post_init__(self):
        kind = normalize_layer_kind(self.kind)
        object.__setattr__(self, "kind", kind)
        if kind not in ("Dropout", "Activation"):
            check_size("units", self.units)
        if kind == "Embedding":
            check_size("vocabulary", self.vocabulary)
        if self.bidirectional and kind not in GATES:
            raise ValueError(f"only SimpleRNN, LSTM and GRU can be bidirectional; got {kind}")
        if self.merge_mode not in MERGE_MODES:
            raise ValueError(f"merge_mode must be one of {', '.join(map(repr, MERGE_MODES))}; "
                             f"got {self.merge_mode!r}")


@dataclass(frozen=True)
class SummaryRow:
    """One line of a model summary: the layer, its output shape (batch axis None), its
    parameter count and the formula that gives it."""

    kind: str
    output_shape: tuple
    count: int
    formula: str


def summarize(input_shape, layers):
    """Follow the shapes through a stack of layers and count each layer's parameters,
    like Keras' ``model.summary()``.

    Parameters
    ----------
    input_shape : ``(timesteps, input_dim)`` without the batch axis, or ``(timesteps,)``
        of token indices when the first layer is an Embedding; ``timesteps`` may be None.
    layers : list of :class:`LayerSpec`.

    Returns
    -------
    list of SummaryRow, one per layer (no row for the input).
    """
    shape = (None, *tuple(input_shape))
    rows = []
    for position, spec in enumerate(layers, start=1):
        if not isinstance(spec, LayerSpec):
            raise TypeError(f"layer {position} must be a LayerSpec; got {spec!r}")
        who = f"layer {position} ({spec.kind})"
        if spec.kind == "Embedding":
            if len(shape) != 2:
                raise ValueError(f"{who} reads token indices of shape (samples, timesteps); "
                                 f"got {shape}")
            count = embedding_params(spec.vocabulary, spec.units)
            text = f"{spec.vocabulary}·{spec.units}"
            shape = shape + (spec.units,)
        elif spec.kind in GATES:
            if len(shape) != 3:
                raise ValueError(
                    f"{who} reads (samples, timesteps, input_dim); got {shape}: the layer "
                    "before it must return a sequence (return_sequences=True)")
            m, n = shape[-1], spec.units
            options = {"use_bias": spec.use_bias, "reset_after": spec.reset_after,
                       "bidirectional": spec.bidirectional}
            count = count_params(spec.kind, n, m, **options)
            text = formula(spec.kind, n, m, **options)
            width = 2 * n if spec.bidirectional and spec.merge_mode == "concat" else n
            shape = shape[:2] + (width,) if spec.return_sequences else (None, width)
        elif spec.kind in ("Dense", "TimeDistributed(Dense)"):
            if spec.kind == "TimeDistributed(Dense)" and len(shape) != 3:
                raise ValueError(f"{who} reads (samples, timesteps, features); got {shape}")
            m, n = shape[-1], spec.units
            count = dense_params(n, m, use_bias=spec.use_bias)
            text = f"{m}·{n} + {n}" if spec.use_bias else f"{m}·{n}"
            shape = shape[:-1] + (n,)
        else:  # Dropout, Activation: no weights
            count, text = 0, "0"
        rows.append(SummaryRow(spec.kind, shape, count, text))
    return rows


def total_params(input_shape, layers):
    """The sum of :func:`summarize`'s counts: Keras' ``model.count_params()``."""
    return sum(row.count for row in summarize(input_shape, layers))


# ---- PyTorch's layout: two bias vectors per gate block -------------------------------------

#: The ``torch.nn`` module that holds the same cell as each Keras layer (PyTorch's GRU is
#: Keras' ``reset_after=True`` GRU).
PYTORCH_MODULES = {"SimpleRNN": "RNN", "LSTM": "LSTM", "GRU": "GRU"}


def pytorch_weight_shapes(kind, units, input_dim, *, bias=True, num_layers=1,
                          bidirectional=False):
    """The shapes of ``torch.nn.RNN/LSTM/GRU(input_dim, units)``'s parameters, by name.

    PyTorch's documentation gives, for layer ``l`` with ``k`` gate blocks, ``weight_ih_l{l}``
    ``(k*units, m_l)``, ``weight_hh_l{l}`` ``(k*units, units)``, ``bias_ih_l{l}`` and
    ``bias_hh_l{l}`` ``(k*units,)`` each, where ``m_0 = input_dim`` and every later layer
    reads ``num_directions * units``; the backward direction's names end in ``_reverse``.

    Returns
    -------
    dict name -> shape, in the order of ``module.named_parameters()``.
    """
    kind = normalize_kind(kind)
    n, m = check_size("units", units), check_size("input_dim", input_dim)
    layers = check_size("num_layers", num_layers)
    k = len(GATES[kind])
    directions = ("", "_reverse") if bidirectional else ("",)
    shapes = {}
    for layer in range(layers):
        reads = m if layer == 0 else len(directions) * n
        for suffix in directions:
            shapes[f"weight_ih_l{layer}{suffix}"] = (k * n, reads)
            shapes[f"weight_hh_l{layer}{suffix}"] = (k * n, n)
            if bias:
                shapes[f"bias_ih_l{layer}{suffix}"] = (k * n,)
                shapes[f"bias_hh_l{layer}{suffix}"] = (k * n,)
    return shapes


def pytorch_count_params(kind, units, input_dim, *, bias=True, num_layers=1,
                         bidirectional=False):
    """Parameters of ``torch.nn.RNN/LSTM/GRU(input_dim, units)``: for one layer
    ``k*units*(input_dim + units + 2)``, one bias vector more per gate block than Keras'
    SimpleRNN and LSTM; the GRU's count equals Keras' ``reset_after=True`` GRU."""
    return sum(prod(shape) for shape in pytorch_weight_shapes(
        kind, units, input_dim, bias=bias, num_layers=num_layers,
        bidirectional=bidirectional).values())


def pytorch_formula(kind, units, input_dim, *, bias=True):
    """PyTorch's count of one layer written out, e.g. ``"4·64·(100 + 64 + 2)"``."""
    kind = normalize_kind(kind)
    n, m = check_size("units", units), check_size("input_dim", input_dim)
    k = len(GATES[kind])
    inner = f"{m} + {n}" + (" + 2" if bias else "")
    return (f"{k}·" if k > 1 else "") + f"{n}·({inner})"
