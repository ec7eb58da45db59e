"""Keras' weight layout and PyTorch's, and the maps between them, for SimpleRNN, LSTM and GRU.

Keras stores ``kernel (input_dim, k*units)``, ``recurrent_kernel (units, k*units)`` and
``bias`` (``(k*units,)``; a GRU with ``reset_after=True`` has ``(2, 3*units)``), multiplying row
vectors from the left (``x_t W``), gate blocks side by side: LSTM i, f, c, o; GRU z, r, h.
PyTorch's ``nn.RNN``, ``nn.LSTM`` and ``nn.GRU`` store, for layer 0, ``weight_ih_l0
(k*units, input_dim)``, ``weight_hh_l0 (k*units, units)``, ``bias_ih_l0`` and ``bias_hh_l0``
(each ``(k*units,)``), acting on column vectors (``W x``), gate blocks stacked as rows:
LSTM i, f, g, o; GRU r, z, n. A layer built with ``use_bias=False`` is PyTorch's ``bias=False``
module, which has no bias entries at all. The PyTorch side here is NumPy written from PyTorch's
documented equations, and, where PyTorch is installed, its own modules (:func:`pytorch_module`).
The GRU maps are those of :mod:`rnnbook.gru_variants`. Arrays may be given as NumPy arrays or
as tensors of any framework (``dict(module.named_parameters())`` included).
"""

import numpy as np

from rnnbook import gru_variants
from rnnbook.activations import sigmoid
from rnnbook.backend import to_numpy

#: Gate blocks in the order each framework stores them.
KERAS_GATES = {"SimpleRNN": ("h",), "LSTM": ("i", "f", "c", "o"), "GRU": ("z", "r", "h")}
PYTORCH_GATES = {"SimpleRNN": ("h",), "LSTM": ("i", "f", "g", "o"), "GRU": ("r", "z", "n")}
PYTORCH_NAMES = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")


def _kind(kind):
    if kind not in KERAS_GATES:
        raise ValueError(f"kind must be one of {', '.join(KERAS_GATES)}; got {kind!r}")
    return kind


NO_RESET_BEFORE = ("PyTorch's GRU is Keras' reset_after=True GRU: reset_after=False (the reset "
                   "gate applied before the recurrent kernel) is a different model that "
                   "PyTorch does not offer")


def _gru_reset_after(bias, units, reset_after):
    """The GRU's ``reset_after``: as given, else read from the bias shape; refuse ``False``."""
    if bias is not None:
        if bias.shape == (3 * units,) and reset_after is None:  # reset_after=False's bias
            raise ValueError(
                f"PyTorch's GRU is Keras' reset_after=True GRU, whose bias is (2, 3*units) = "
                f"{(2, 3 * units)}; got {bias.shape} (reset_after=False has no PyTorch "
                f"equivalent)")
        if bias.shape != (2, 3 * units):
            raise ValueError(f"a reset_after=True GRU's bias has shape (2, 3*units) = "
                             f"{(2, 3 * units)}; got {bias.shape}")
    elif reset_after is None:
        raise ValueError("a GRU without bias does not show its reset_after setting in its "
                         "weights: pass reset_after=layer.reset_after, or convert the layer "
                         "with keras_layer_to_pytorch(layer)")
    if reset_after is False:
        raise ValueError(f"{NO_RESET_BEFORE}; got reset_after=False")


def keras_to_pytorch(kind, kernel, recurrent_kernel, bias=None, *, reset_after=None):
    """Keras weights -> PyTorch's ``state_dict`` entries for layer 0.

    Parameters
    ----------
    kind : ``"SimpleRNN"``, ``"LSTM"`` or ``"GRU"``.
    kernel, recurrent_kernel, bias : ``layer.get_weights()``; ``bias`` None (or left out) for
        a layer with ``use_bias=False``.
    reset_after : bool, GRU only: the layer's setting. Read from the bias shape when there is
        a bias (``(2, 3*units)`` is ``True``); needed when there is none. ``reset_after=False``
        is refused: it is a different model that PyTorch does not offer.

    Returns
    -------
    dict of :data:`PYTORCH_NAMES` -> arrays: ``weight_ih_l0 (k*units, input_dim)``,
    ``weight_hh_l0 (k*units, units)``, ``bias_ih_l0`` and ``bias_hh_l0`` ``(k*units,)``;
    only the two weights when ``bias`` is None (PyTorch's ``bias=False``).
    Keras' single bias (SimpleRNN, LSTM) goes to ``bias_ih_l0``; ``bias_hh_l0`` is zeros.
    """
    kind = _kind(kind)
    kernel, recurrent_kernel = to_numpy(kernel), to_numpy(recurrent_kernel)
    bias = None if bias is None else to_numpy(bias)
    k = len(KERAS_GATES[kind])
    units = recurrent_kernel.shape[0] if recurrent_kernel.ndim == 2 else -1
    if kernel.ndim != 2 or kernel.shape[1] != k * units or recurrent_kernel.shape != (
            units, k * units):
        raise ValueError(f"expected {kind} weights kernel (input_dim, {k}*units) and "
                         f"recurrent_kernel (units, {k}*units); got {kernel.shape} and "
                         f"{recurrent_kernel.shape}")
    if kind == "GRU":
        _gru_reset_after(bias, units, reset_after)
        given = np.zeros((2, 3 * units), kernel.dtype) if bias is None else bias
        arrays = gru_variants.keras_to_pytorch(kernel, recurrent_kernel, given)
    else:
        if bias is not None and bias.shape != (k * units,):
            raise ValueError(f"a {kind} bias has shape ({k}*units,) = {(k * units,)}; "
                             f"got {bias.shape}")
        # Same gate order (LSTM i, f, c, o = PyTorch's i, f, g, o): a transpose is all it takes.
        given = np.zeros(k * units, kernel.dtype) if bias is None else bias
        arrays = (kernel.T.copy(), recurrent_kernel.T.copy(), given.copy(), np.zeros_like(given))
    state = dict(zip(PYTORCH_NAMES, arrays, strict=True))
    return state if bias is not None else {n: state[n] for n in PYTORCH_NAMES[:2]}


def keras_layer_to_pytorch(layer):
    """A built Keras ``SimpleRNN``, ``LSTM`` or ``GRU`` -> PyTorch's ``state_dict`` entries.

    Reads ``use_bias`` and, for the GRU, ``reset_after`` from the layer's settings (not from
    the weights' shapes): a ``reset_after=False`` GRU is refused even without a bias.
    """
    kind = _kind(type(layer).__name__)
    cell = layer.cell
    if kind == "GRU" and not cell.reset_after:
        raise ValueError(f"{NO_RESET_BEFORE}; layer {layer.name!r} has reset_after=False")
    weights = layer.get_weights()
    bias = weights[2] if cell.use_bias else None
    return keras_to_pytorch(kind, weights[0], weights[1], bias,
                            reset_after=True if kind == "GRU" else None)


def pytorch_to_keras(kind, state_dict):
    """PyTorch's layer-0 weights -> Keras' ``[kernel, recurrent_kernel, bias]``.

    The inverse of :func:`keras_to_pytorch`. ``state_dict`` may be ``module.state_dict()``,
    ``dict(module.named_parameters())`` or a dict of arrays. For SimpleRNN and LSTM, Keras has
    one bias, so ``bias = bias_ih_l0 + bias_hh_l0`` (the same function; exact when ``bias_hh_l0``
    is zeros, as :func:`keras_to_pytorch` writes it). For the GRU the bias is ``(2, 3*units)``.
    A module without biases (``bias=False``) gives ``[kernel, recurrent_kernel]``, the weights
    of a Keras layer with ``use_bias=False``.
    """
    kind = _kind(kind)
    has_bias = any(name in state_dict for name in PYTORCH_NAMES[2:])
    wanted = PYTORCH_NAMES if has_bias else PYTORCH_NAMES[:2]
    missing = [name for name in wanted if name not in state_dict]
    if missing:
        raise KeyError(f"state_dict lacks {', '.join(missing)}")
    weight_ih, weight_hh = (to_numpy(state_dict[n]) for n in PYTORCH_NAMES[:2])
    if not has_bias:
        if kind == "GRU":
            units = weight_hh.shape[1]
            zeros = np.zeros(3 * units, weight_ih.dtype)
            return list(gru_variants.pytorch_to_keras(weight_ih, weight_hh, zeros, zeros))[:2]
        return [weight_ih.T.copy(), weight_hh.T.copy()]
    bias_ih, bias_hh = (to_numpy(state_dict[n]) for n in PYTORCH_NAMES[2:])
    if kind == "GRU":
        return list(gru_variants.pytorch_to_keras(weight_ih, weight_hh, bias_ih, bias_hh))
    return [weight_ih.T.copy(), weight_hh.T.copy(), bias_ih + bias_hh]


#: ``torch.nn.RNN``'s ``nonlinearity`` choices, and Keras' activation of the same name.
NONLINEARITIES = {"tanh": np.tanh, "relu": lambda a: np.maximum(a, 0)}


def pytorch_rnn_step(x_t, h_prev, weight_ih, weight_hh, bias_ih, bias_hh, nonlinearity="tanh"):
    """One step of ``torch.nn.RNN`` as documented: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T +
    b_hh)`` (``relu`` for ``nonlinearity="relu"``). Rows are samples. Returns
    ``(h_t, {"h": h_t})``."""
    h = NONLINEARITIES[nonlinearity](x_t @ weight_ih.T + bias_ih + h_prev @ weight_hh.T
                                     + bias_hh)
    return h, {"h": h}


def pytorch_lstm_step(x_t, h_prev, c_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    """One step of ``torch.nn.LSTM`` as its documentation writes it.

    ``weight_ih (4*units, input_dim)`` holds the row blocks ``W_ii, W_if, W_ig, W_io``;
    ``weight_hh (4*units, units)`` likewise; both biases ``(4*units,)``. Rows are samples.
    Returns ``h_t``, ``c_t`` and the gates.
    """
    W_ii, W_if, W_ig, W_io = np.split(np.asarray(weight_ih), 4, axis=0)
    W_hi, W_hf, W_hg, W_ho = np.split(np.asarray(weight_hh), 4, axis=0)
    b_ii, b_if, b_ig, b_io = np.split(np.asarray(bias_ih), 4)
    b_hi, b_hf, b_hg, b_ho = np.split(np.asarray(bias_hh), 4)
    i = sigmoid(x_t @ W_ii.T + b_ii + h_prev @ W_hi.T + b_hi)
    f = sigmoid(x_t @ W_if.T + b_if + h_prev @ W_hf.T + b_hf)
    g = np.tanh(x_t @ W_ig.T + b_ig + h_prev @ W_hg.T + b_hg)
    o = sigmoid(x_t @ W_io.T + b_io + h_prev @ W_ho.T + b_ho)
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h, c, {"i": i, "f": f, "candidate": g, "o": o, "c": c, "h": h}


def pytorch_forward(kind, state_dict, inputs, nonlinearity="tanh"):
    """Run PyTorch's documented equations over a sequence, from zero states.

    Parameters
    ----------
    kind : ``"SimpleRNN"``, ``"LSTM"`` or ``"GRU"``.
    state_dict : the four arrays of :data:`PYTORCH_NAMES`, or only the two weights (a module
        with ``bias=False``: the biases are zero).
    inputs : array ``(samples, timesteps, input_dim)`` (PyTorch's ``batch_first=True``).
    nonlinearity : ``"tanh"`` or ``"relu"``, ``nn.RNN``'s setting (SimpleRNN only).

    Returns
    -------
    array ``(samples, timesteps, units)``: the output at every step.
    """
    kind = _kind(kind)
    x = to_numpy(inputs)
    if x.ndim != 3:
        raise ValueError(f"inputs must be (samples, timesteps, input_dim); got shape {x.shape}")
    if nonlinearity not in NONLINEARITIES:
        raise ValueError(f"nonlinearity must be one of {', '.join(NONLINEARITIES)}; "
                         f"got {nonlinearity!r}")
    weights = [to_numpy(state_dict[n]) for n in PYTORCH_NAMES[:2]]
    units = weights[1].shape[1]
    zeros = np.zeros(weights[0].shape[0], weights[0].dtype)
    weights += [to_numpy(state_dict[n]) if n in state_dict else zeros
                for n in PYTORCH_NAMES[2:]]
    if kind == "GRU":
        return gru_variants.unroll(gru_variants.pytorch_step, x, units,
                                   **dict(zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"),
                                              weights, strict=True)))["h"]
    h = np.zeros((x.shape[0], units), dtype=x.dtype)
    c = np.zeros_like(h)
    outputs = []
    for t in range(x.shape[1]):
        if kind == "LSTM":
            h, c, _ = pytorch_lstm_step(x[:, t], h, c, *weights)
        else:
            h, _ = pytorch_rnn_step(x[:, t], h, *weights, nonlinearity=nonlinearity)
        outputs.append(h)
    return np.stack(outputs, axis=1)


def round_trip_is_exact(kind, weights):
    """Keras -> PyTorch -> Keras: True if every array comes back bit for bit equal."""
    back = pytorch_to_keras(kind, keras_to_pytorch(kind, *weights))
    return all(a.shape == b.shape and np.array_equal(a, b)
               for a, b in zip(weights, back, strict=True))


#: What :func:`pytorch_outputs` says it ran when PyTorch is not installed.
DOCUMENTED = "PyTorch's documented equations in NumPy (torch is not installed)"
TORCH_MODULES = {"SimpleRNN": "RNN", "LSTM": "LSTM", "GRU": "GRU"}


def _activation_name(function):
    return getattr(function, "__name__", str(function))


def _pytorch_settings(layer):
    """The ``torch.nn`` module's keyword arguments for ``layer``, or a clear refusal where
    PyTorch's module cannot compute what the layer computes."""
    kind = _kind(type(layer).__name__)
    cell = layer.cell
    activation = _activation_name(cell.activation)
    settings = {"batch_first": True, "bias": bool(cell.use_bias)}
    if kind == "SimpleRNN":
        if activation not in NONLINEARITIES:
            raise ValueError(f"torch.nn.RNN's nonlinearity is 'tanh' or 'relu'; layer "
                             f"{layer.name!r} has activation {activation!r}")
        return {**settings, "nonlinearity": activation}
    recurrent = _activation_name(cell.recurrent_activation)
    if (activation, recurrent) != ("tanh", "sigmoid"):
        raise ValueError(f"torch.nn.{TORCH_MODULES[kind]} computes with tanh and sigmoid; "
                         f"layer {layer.name!r} has activation {activation!r} and "
                         f"recurrent_activation {recurrent!r}")
    if kind == "GRU" and not cell.reset_after:
        raise ValueError(f"{NO_RESET_BEFORE}; layer {layer.name!r} has reset_after=False")
    return settings


def pytorch_module(layer):
    """A real ``torch.nn.RNN`` / ``LSTM`` / ``GRU`` (``batch_first=True``, ``bias=use_bias``,
    ``nn.RNN``'s ``nonlinearity`` the layer's activation) holding ``layer``'s weights, loaded
    with ``load_state_dict(strict=True)``. Needs PyTorch. Refuses, with the setting named, a
    layer PyTorch's module cannot reproduce (a ``reset_after=False`` GRU, other activations).
    """
    import torch

    kind = _kind(type(layer).__name__)
    settings = _pytorch_settings(layer)
    state = keras_layer_to_pytorch(layer)
    input_dim, units = state["weight_ih_l0"].shape[1], state["weight_hh_l0"].shape[1]
    module = getattr(torch.nn, TORCH_MODULES[kind])(input_dim, units, **settings)
    module.load_state_dict({name: torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))
                            for name, a in state.items()}, strict=True)
    return module


def pytorch_outputs(layer, inputs):
    """PyTorch's outputs at every step for ``layer``'s weights, and what computed them.

    Parameters
    ----------
    layer : a built Keras ``SimpleRNN`` (tanh or relu), ``LSTM`` or ``GRU``
        (``reset_after=True``), with or without bias.
    inputs : array ``(samples, timesteps, input_dim)``, or a tensor of any Keras backend.

    Returns
    -------
    ``(outputs, ran)``: outputs ``(samples, timesteps, units)``; ``ran`` names what ran,
    ``"torch.nn.LSTM"`` and so on where PyTorch is installed, :data:`DOCUMENTED` otherwise.
    """
    kind = _kind(type(layer).__name__)
    settings = _pytorch_settings(layer)
    x = np.asarray(to_numpy(inputs), dtype=np.float32)
    try:
        import torch
    except ImportError:
        state = keras_layer_to_pytorch(layer)
        return (pytorch_forward(kind, state, x, settings.get("nonlinearity", "tanh")),
                DOCUMENTED)
    with torch.no_grad():  # this call only: nothing here is differentiated
        outputs, _ = pytorch_module(layer)(torch.from_numpy(x))
    return outputs.numpy(), f"torch.nn.{TORCH_MODULES[kind]}"
