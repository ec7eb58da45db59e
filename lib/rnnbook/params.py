"""Parameter counts of recurrent layers, derived from the shapes of their weights.

A layer with ``k`` gate blocks (SimpleRNN 1, GRU 3, LSTM 4), ``n = units`` and
``m = input_dim`` holds ``kernel (m, k*n)``, ``recurrent_kernel (n, k*n)`` and
``bias (k*n,)``; Keras 3's default GRU (``reset_after=True``) has a second bias row,
``bias (2, 3*n)``. The count is the sum of the sizes of these arrays.
"""

from dataclasses import dataclass
from math import prod

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
