"""The NumPy reference engine: run a built Keras recurrent layer's weights in plain NumPy.

``forward(layer, inputs)`` returns what ``layer(inputs)`` returns at inference, and
``trace(layer, inputs)`` returns every gate at every time step. Both read the layer's
configuration and current weights, then loop over time (:mod:`rnnbook.loops`, the fused
form of the cells in :mod:`rnnbook.cells`), reproducing Keras' own semantics for masks,
``go_backwards``, ``return_sequences``, ``return_state`` and ``Bidirectional``.

Shapes: inputs ``(samples, timesteps, input_dim)``; states ``(samples, units)``; a mask
``(samples, timesteps)`` of booleans (``True`` = use this step).
"""

from collections.abc import Callable
from dataclasses import dataclass

import keras  # importing any rnnbook module first runs rnnbook/__init__, which quiets TF
import numpy as np

from rnnbook import activations, loops
from rnnbook.backend import to_numpy
from rnnbook.params import normalize_kind
from rnnbook.shapes import validate_input

SUPPORTED_LAYERS = (
    "keras.layers.SimpleRNN, keras.layers.LSTM, keras.layers.GRU, keras.layers.RNN wrapping a "
    "SimpleRNNCell, LSTMCell or GRUCell, and keras.layers.Bidirectional wrapping any of these"
)
KINDS = {keras.layers.SimpleRNNCell: "SimpleRNN", keras.layers.LSTMCell: "LSTM",
         keras.layers.GRUCell: "GRU"}


@dataclass
class RecurrentSpec:
    """What the engine needs to know about one (unidirectional) recurrent layer."""

    kind: str
    units: int
    kernel: np.ndarray
    recurrent_kernel: np.ndarray
    bias: np.ndarray | None
    activation: Callable
    recurrent_activation: Callable | None
    reset_after: bool
    return_sequences: bool
    return_state: bool
    go_backwards: bool
    zero_output_for_mask: bool

    @property
    def n_states(self):
        return 2 if self.kind == "LSTM" else 1

    @property
    def input_dim(self):
        return self.kernel.shape[0]


def describe(layer):
    """Read a built Keras recurrent layer into a :class:`RecurrentSpec` (or a pair of them).

    Returns
    -------
    RecurrentSpec, or a tuple ``(forward_spec, backward_spec, merge_mode)`` for ``Bidirectional``.
    """
    if isinstance(layer, keras.layers.Bidirectional):
        return describe(layer.forward_layer), describe(layer.backward_layer), layer.merge_mode
    if not isinstance(layer, keras.layers.RNN) or type(layer.cell) not in KINDS:
        raise TypeError(
            f"unsupported layer {type(layer).__name__}: the reference engine supports "
            f"{SUPPORTED_LAYERS}"
        )
    if layer.stateful:
        raise ValueError(
            f"layer {layer.name!r} is stateful: the reference engine does not keep state "
            "between calls; pass the state you want to start from as initial_state instead"
        )
    cell = layer.cell
    if not cell.built:
        raise ValueError(
            f"layer {layer.name!r} is not built, so it has no weights yet: call it once on an "
            "input of shape (samples, timesteps, input_dim) or build it, then pass it again"
        )
    kind = KINDS[type(cell)]
    return RecurrentSpec(
        kind=kind,
        units=cell.units,
        kernel=to_numpy(cell.kernel),
        recurrent_kernel=to_numpy(cell.recurrent_kernel),
        bias=None if cell.bias is None else to_numpy(cell.bias),
        activation=activations.get(cell.activation),
        recurrent_activation=(None if kind == "SimpleRNN"
                              else activations.get(cell.recurrent_activation)),
        reset_after=bool(getattr(cell, "reset_after", False)),
        return_sequences=layer.return_sequences,
        return_state=layer.return_state,
        go_backwards=layer.go_backwards,
        zero_output_for_mask=bool(layer.zero_output_for_mask),
    )


def forward(layer, inputs, *, mask=None, initial_state=None):
    """Run ``layer`` in NumPy; return what ``layer(inputs, mask=..., initial_state=...)`` returns.

    Parameters
    ----------
    layer : a built ``SimpleRNN``, ``LSTM``, ``GRU``, ``RNN`` of one of their cells, or a
        ``Bidirectional`` of any of them.
    inputs : array_like, ``(samples, timesteps, input_dim)``.
    mask : array_like of bool, ``(samples, timesteps)``, optional.
    initial_state : list of arrays ``(samples, units)``, optional: ``[h]``, or ``[h, c]`` for
        an LSTM; for ``Bidirectional`` the forward layer's states, then the backward layer's.

    Inputs, mask and states may be tensors of any Keras backend (another layer's outputs
    included; see :func:`rnnbook.backend.to_numpy`).

    Returns
    -------
    ndarray, or a list ``[output, *states]`` when the layer returns several tensors.
    The output is ``(samples, timesteps, units)`` with ``return_sequences`` (in processing
    order, so reversed for ``go_backwards``), else ``(samples, units)``. Float32 unless the
    inputs are float64, which are computed in float64.
    """
    outputs, _ = _run_layer(layer, inputs, mask, initial_state, record=False)
    return outputs


def trace(layer, inputs, *, mask=None, initial_state=None):
    """Return the layer's internals at every time step, each ``(samples, timesteps, units)``.

    Keys: LSTM ``i``, ``f``, ``o``, ``candidate``, ``c``, ``h``; GRU ``z``, ``r``,
    ``candidate``, ``h``; SimpleRNN ``h``. ``h`` and ``c`` are the states carried after
    each step (a masked step carries the previous ones); the gates are what the cell
    computed at that step. Steps are in processing order (reversed for ``go_backwards``).
    For ``Bidirectional`` the result is ``{"forward": {...}, "backward": {...}}``.
    """
    _, traces = _run_layer(layer, inputs, mask, initial_state, record=True)
    return traces


def trace_weights(kind, kernel, recurrent_kernel, bias, inputs, *, activation="tanh",
                  recurrent_activation="sigmoid", reset_after=True, initial_state=None):
    """:func:`trace` for weights given as arrays rather than a Keras layer.

    The arrays have Keras' layout (see :mod:`rnnbook.cells`); ``kind`` is ``"SimpleRNN"``,
    ``"LSTM"`` or ``"GRU"``. Used by explorers, which set a few weights by hand.
    """
    kind = normalize_kind(kind)
    kernel, recurrent_kernel = to_numpy(kernel), to_numpy(recurrent_kernel)
    spec = RecurrentSpec(
        kind=kind, units=recurrent_kernel.shape[0], kernel=kernel,
        recurrent_kernel=recurrent_kernel, bias=None if bias is None else to_numpy(bias),
        activation=activations.get(activation),
        recurrent_activation=None if kind == "SimpleRNN" else activations.get(recurrent_activation),
        reset_after=reset_after, return_sequences=True, return_state=True, go_backwards=False,
        zero_output_for_mask=False,
    )
    x = validate_input(inputs, input_dim=spec.input_dim)
    x = x.astype(np.float64 if x.dtype == np.float64 else np.float32, copy=False)
    states = _validate_initial_state(initial_state, [spec], x.shape[0], x.dtype)
    return _run(spec, x, None, states[0], record=True)[1]


def _run_layer(layer, inputs, mask, initial_state, record):
    spec = describe(layer)
    specs = list(spec[:2]) if isinstance(spec, tuple) else [spec]
    x = validate_input(inputs, input_dim=specs[0].input_dim, layer_name=layer.name)
    dtype = np.float64 if x.dtype == np.float64 else np.float32
    x = x.astype(dtype, copy=False)
    mask = _validate_mask(mask, x.shape)
    states = _validate_initial_state(initial_state, specs, x.shape[0], dtype)
    if not isinstance(spec, tuple):
        result, internals = _run(spec, x, mask, states[0], record)
        return (result if len(result) > 1 else result[0]), internals

    forward_spec, backward_spec, merge_mode = spec
    fwd, fwd_internals = _run(forward_spec, x, mask, states[0], record)
    bwd, bwd_internals = _run(backward_spec, x, mask, states[1], record)
    y, y_rev = fwd[0], bwd[0]
    if forward_spec.return_sequences:
        y_rev = y_rev[:, ::-1]  # back to input order, as Bidirectional does
    merged = {
        "concat": lambda: [np.concatenate([y, y_rev], axis=-1)],
        "sum": lambda: [y + y_rev],
        "ave": lambda: [(y + y_rev) / 2],
        "mul": lambda: [y * y_rev],
        None: lambda: [y, y_rev],
    }[merge_mode]()
    result = merged + fwd[1:] + bwd[1:]
    internals = {"forward": fwd_internals, "backward": bwd_internals} if record else None
    return (result if len(result) > 1 else result[0]), internals


def _run(spec, x, mask, states, record):
    """Run one unidirectional layer: project every step's input at once, then loop.

    Returns ``[output, *states]`` (or ``[output]``) and the recorded internals (or None).
    """
    if spec.go_backwards:
        x = x[:, ::-1]
        mask = None if mask is None else mask[:, ::-1]
    # a view, not a copy: the projection reads each step's rows where they are (a copy of
    # a large batch's inputs is megabytes of fresh memory a call)
    time_major = np.swapaxes(x, 0, 1)
    with np.errstate(all="ignore"):  # inf and NaN propagate silently, as in Keras
        outputs, recorded = loops.run(spec, time_major, states,
                                      None if mask is None else np.ascontiguousarray(mask.T),
                                      record, sequences=spec.return_sequences)
    outputs = np.swapaxes(outputs, 0, 1)
    output = outputs if spec.return_sequences else np.ascontiguousarray(outputs[:, -1])
    result = [output, *states] if spec.return_state else [output]
    if not record:
        return result, None
    # each record is a (timesteps, samples, units) view of the loop's storage; swapping
    # the first two axes gives the (samples, timesteps, units) the caller sees, still a view
    return result, {key: np.swapaxes(values, 0, 1) for key, values in recorded.items()}


def _validate_mask(mask, input_shape):
    if mask is None:
        return None
    mask = to_numpy(mask)
    expected = input_shape[:2]
    if mask.ndim == 3 and mask.shape[-1] == 1:
        mask = mask[..., 0]
    if mask.shape != expected:
        raise ValueError(
            f"mask must have shape (samples, timesteps) = {expected} to match inputs of shape "
            f"(samples, timesteps, input_dim) = {input_shape}; got a mask of shape {mask.shape}"
        )
    if mask.dtype != bool and not np.issubdtype(mask.dtype, np.number):
        raise TypeError(f"mask must hold booleans (True = use the step); got dtype {mask.dtype}")
    return mask.astype(bool)


def _validate_initial_state(initial_state, specs, samples, dtype):
    """Return one list of state arrays per direction (zeros when none are given)."""
    wanted = [spec.n_states for spec in specs]
    names = "[h, c]" if specs[0].kind == "LSTM" else "[h]"
    if len(specs) == 2:
        names = f"{names} for the forward layer, then {names} for the backward layer"
    if initial_state is None:
        return [[np.zeros((samples, spec.units), dtype=dtype) for _ in range(spec.n_states)]
                for spec in specs]
    if not isinstance(initial_state, (list, tuple)):
        initial_state = [initial_state]
    if len(initial_state) != sum(wanted):
        raise ValueError(
            f"initial_state must hold {sum(wanted)} array(s), {names}; got {len(initial_state)}"
        )
    states, start = [], 0
    for spec in specs:
        group = []
        for state in initial_state[start:start + spec.n_states]:
            state = to_numpy(state)
            if state.shape != (samples, spec.units):
                raise ValueError(
                    f"each initial state must have shape (samples, units) = "
                    f"{(samples, spec.units)}; got {state.shape}"
                )
            group.append(state.astype(dtype))
        states.append(group)
        start += spec.n_states
    return states
