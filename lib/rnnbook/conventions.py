"""Keras' weight layout and PyTorch's, and the maps between them, for SimpleRNN, LSTM and GRU.

Keras stores ``kernel (input_dim, k*units)``, ``recurrent_kernel (units, k*units)`` and
``bias`` (``(k*units,)``; a GRU with ``reset_after=True`` has ``(2, 3*units)``), multiplying row
vectors from the left (``x_t W``), gate blocks side by side: LSTM i, f, c, o; GRU z, r, h.
PyTorch's ``nn.RNN``, ``nn.LSTM`` and ``nn.GRU`` store, for layer 0, ``weight_ih_l0
(k*units, input_dim)``, ``weight_hh_l0 (k*units, units)``, ``bias_ih_l0`` and ``bias_hh_l0``
(each ``(k*units,)``), acting on column vectors (``W x``), gate blocks stacked as rows:
LSTM i, f, g, o; GRU r, z, n. The PyTorch side here is NumPy written from PyTorch's documented
equations; PyTorch itself is not needed. The GRU maps are those of :mod:`rnnbook.gru_variants`.
"""

import numpy as np

from rnnbook import gru_variants
from rnnbook.activations import sigmoid

#: Gate blocks in the order each framework stores them.
KERAS_GATES = {"SimpleRNN": ("h",), "LSTM": ("i", "f", "c", "o"), "GRU": ("z", "r", "h")}
PYTORCH_GATES = {"SimpleRNN": ("h",), "LSTM": ("i", "f", "g", "o"), "GRU": ("r", "z", "n")}
PYTORCH_NAMES = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")


def _kind(kind):
    if kind not in KERAS_GATES:
        raise ValueError(f"kind must be one of {', '.join(KERAS_GATES)}; got {kind!r}")
    return kind


def keras_to_pytorch(kind, kernel, recurrent_kernel, bias):
    """Keras weights -> PyTorch's ``state_dict`` entries for layer 0.

    Parameters
    ----------
    kind : ``"SimpleRNN"``, ``"LSTM"`` or ``"GRU"``.
    kernel, recurrent_kernel, bias : ``layer.get_weights()``. A GRU must have
        ``reset_after=True`` (bias ``(2, 3*units)``): ``reset_after=False`` is a different model
        that PyTorch does not offer.

    Returns
    -------
    dict of :data:`PYTORCH_NAMES` -> arrays: ``weight_ih_l0 (k*units, input_dim)``,
    ``weight_hh_l0 (k*units, units)``, ``bias_ih_l0`` and ``bias_hh_l0`` ``(k*units,)``.
    Keras' single bias (SimpleRNN, LSTM) goes to ``bias_ih_l0``; ``bias_hh_l0`` is zeros.
    """
    kind = _kind(kind)
    kernel, recurrent_kernel, bias = (np.asarray(a) for a in (kernel, recurrent_kernel, bias))
    k = len(KERAS_GATES[kind])
    units = recurrent_kernel.shape[0]
    if kernel.ndim != 2 or kernel.shape[1] != k * units or recurrent_kernel.shape != (
            units, k * units):
        raise ValueError(f"expected {kind} weights kernel (input_dim, {k}*units) and "
                         f"recurrent_kernel (units, {k}*units); got {kernel.shape} and "
                         f"{recurrent_kernel.shape}")
    if kind == "GRU":
        if bias.shape != (2, 3 * units):
            raise ValueError(
                f"PyTorch's GRU is Keras' reset_after=True GRU, whose bias is (2, 3*units) = "
                f"{(2, 3 * units)}; got {bias.shape} (reset_after=False has no PyTorch "
                f"equivalent)")
        arrays = gru_variants.keras_to_pytorch(kernel, recurrent_kernel, bias)
    else:
        if bias.shape != (k * units,):
            raise ValueError(f"a {kind} bias has shape ({k}*units,) = {(k * units,)}; "
                             f"got {bias.shape}")
        # Same gate order (LSTM i, f, c, o = PyTorch's i, f, g, o): a transpose is all it takes.
        arrays = (kernel.T.copy(), recurrent_kernel.T.copy(), bias.copy(), np.zeros_like(bias))
    return dict(zip(PYTORCH_NAMES, arrays, strict=True))


def pytorch_to_keras(kind, state_dict):
    """PyTorch's layer-0 weights -> Keras' ``[kernel, recurrent_kernel, bias]``.

    The inverse of :func:`keras_to_pytorch`. For SimpleRNN and LSTM, Keras has one bias, so
    ``bias = bias_ih_l0 + bias_hh_l0`` (the same function; exact when ``bias_hh_l0`` is zeros,
    as :func:`keras_to_pytorch` writes it). For the GRU the bias is ``(2, 3*units)``.
    """
    kind = _kind(kind)
    missing = [name for name in PYTORCH_NAMES if name not in state_dict]
    if missing:
        raise KeyError(f"state_dict lacks {', '.join(missing)}")
    weight_ih, weight_hh, bias_ih, bias_hh = (np.asarray(state_dict[n]) for n in PYTORCH_NAMES)
    if kind == "GRU":
        return list(gru_variants.pytorch_to_keras(weight_ih, weight_hh, bias_ih, bias_hh))
    return [weight_ih.T.copy(), weight_hh.T.copy(), bias_ih + bias_hh]


def pytorch_rnn_step(x_t, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    """One step of ``torch.nn.RNN`` (tanh) as documented: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T
    + b_hh)``. Rows are samples. Returns ``(h_t, {"h": h_t})``."""
    h = np.tanh(x_t @ weight_ih.T + bias_ih + h_prev @ weight_hh.T + bias_hh)
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


def pytorch_forward(kind, state_dict, inputs):
    """Run PyTorch's documented equations over a sequence, from zero states.

    Parameters
    ----------
    kind : ``"SimpleRNN"``, ``"LSTM"`` or ``"GRU"``.
    state_dict : the four arrays of :data:`PYTORCH_NAMES`.
    inputs : array ``(samples, timesteps, input_dim)`` (PyTorch's ``batch_first=True``).

    Returns
    -------
    array ``(samples, timesteps, units)``: the output at every step.
    """
    kind = _kind(kind)
    x = np.asarray(inputs)
    if x.ndim != 3:
        raise ValueError(f"inputs must be (samples, timesteps, input_dim); got shape {x.shape}")
    weights = [np.asarray(state_dict[n]) for n in PYTORCH_NAMES]
    units = weights[1].shape[1]
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
            h, _ = pytorch_rnn_step(x[:, t], h, *weights)
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


def pytorch_module(layer):
    """A real ``torch.nn.RNN`` / ``LSTM`` / ``GRU`` (``batch_first=True``) holding ``layer``'s
    weights, loaded with ``load_state_dict(strict=True)``. Needs PyTorch."""
    import torch

    kind = _kind(type(layer).__name__)
    kernel, recurrent_kernel, bias = layer.get_weights()
    state = keras_to_pytorch(kind, kernel, recurrent_kernel, bias)
    module = getattr(torch.nn, TORCH_MODULES[kind])(kernel.shape[0], recurrent_kernel.shape[0],
                                                    batch_first=True)
    module.load_state_dict({name: torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))
                            for name, a in state.items()}, strict=True)
    return module


def pytorch_outputs(layer, inputs):
    """PyTorch's outputs at every step for ``layer``'s weights, and what computed them.

    Parameters
    ----------
    layer : a built Keras ``SimpleRNN`` (tanh), ``LSTM`` or ``GRU`` (``reset_after=True``).
    inputs : array ``(samples, timesteps, input_dim)``.

    Returns
    -------
    ``(outputs, ran)``: outputs ``(samples, timesteps, units)``; ``ran`` names what ran,
    ``"torch.nn.LSTM"`` and so on where PyTorch is installed, :data:`DOCUMENTED` otherwise.
    """
    kind = _kind(type(layer).__name__)
    x = np.asarray(inputs, dtype=np.float32)
    try:
        import torch
    except ImportError:
        state = keras_to_pytorch(kind, *layer.get_weights())
        return pytorch_forward(kind, state, x), DOCUMENTED
    with torch.no_grad():
        outputs, _ = pytorch_module(layer)(torch.from_numpy(x))
    return outputs.numpy(), f"torch.nn.{TORCH_MODULES[kind]}"
