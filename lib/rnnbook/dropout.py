"""Dropout inside an LSTM: the masks Keras draws, and the training-mode step in NumPy.

``keras.layers.LSTM(dropout=p)`` multiplies the input ``x_t`` by a mask, and
``recurrent_dropout=q`` multiplies the previous hidden state ``h_{t-1}`` by another, before
the products with ``kernel`` and ``recurrent_kernel``. Keras 3.15.1 draws each mask once per
call (``DropoutRNNCell``) and uses it at every step. A mask holds 0 for a dropped unit and
``1 / (1 - rate)`` for a kept one (inverted dropout), so inference needs no rescaling.

How many masks: ``LSTMCell`` switches to ``implementation=1`` whenever ``recurrent_dropout``
is set, and then draws one mask per gate block (i, f, c, o) for the input and four for the
state; with ``implementation=2`` (the default) it draws one input mask that all four blocks
share.

Mask shapes here: ``(samples, dim)`` (shared by the four gate blocks and every step),
``(4, samples, dim)`` (one per gate block, every step), or ``(timesteps, 4, samples, dim)``
(a fresh mask at every step: what Keras does *not* do, kept for the counter-example).
"""

import numpy as np

from rnnbook.activations import sigmoid
from rnnbook.backend import to_numpy
from rnnbook.lstm_variants import GATE_ORDER
from rnnbook.shapes import validate_input


def _as_array(mask):
    return None if mask is None else np.stack([to_numpy(m) for m in mask]) \
        if isinstance(mask, (list, tuple)) else to_numpy(mask)


def call_with_masks(layer, inputs, initial_state=None):
    """Run ``layer(inputs, training=True)`` and return its output and the masks it drew.

    The layer's seed generator is rewound to where the call started and the cell is asked
    for its masks again (``get_dropout_mask``, then ``get_recurrent_dropout_mask``, the
    order in which ``keras.layers.RNN.call`` draws them); that must advance the generator to
    exactly where the call left it, or this raises.

    Parameters
    ----------
    layer : a built ``keras.layers.LSTM`` (any ``keras.layers.RNN`` whose cell mixes in
        Keras' ``DropoutRNNCell``).
    inputs : array ``(samples, timesteps, input_dim)``.

    Returns
    -------
    ``(output, masks)``: ``output`` as ``layer`` returns it (NumPy); ``masks`` a dict with
    ``"input"`` and ``"recurrent"``, each ``None`` (rate 0) or an array ``(samples, dim)``
    (one mask for all gate blocks) or ``(4, samples, dim)`` (one per block, order i, f, c, o).
    """
    cell = getattr(layer, "cell", None)
    if cell is None or not hasattr(cell, "get_dropout_mask"):
        raise TypeError(f"expected a Keras recurrent layer whose cell draws dropout masks; "
                        f"got {type(layer).__name__}")
    x = validate_input(inputs).astype(np.float32)
    before = np.array(cell.seed_generator.state.numpy())
    result = layer(x, training=True, initial_state=initial_state)
    after = np.array(cell.seed_generator.state.numpy())
    output = [to_numpy(r) for r in result] if isinstance(result, (list, tuple)) \
        else to_numpy(result)
    cell.seed_generator.state.assign(before)
    state = np.zeros((x.shape[0], cell.units), dtype=np.float32)
    masks = {"input": _as_array(cell.get_dropout_mask(x[:, 0])),
             "recurrent": _as_array(cell.get_recurrent_dropout_mask(state))}
    cell.reset_dropout_mask()
    cell.reset_recurrent_dropout_mask()
    redrawn = np.array(cell.seed_generator.state.numpy())
    cell.seed_generator.state.assign(after)
    if not np.array_equal(redrawn, after):
        raise RuntimeError(f"redrawing the masks moved the seed generator to {redrawn.tolist()}, "
                           f"the call had moved it to {after.tolist()}: not the masks it used")
    return output, masks


def _per_step_and_gate(mask, timesteps, samples, dim, name, dim_name):
    """A mask as ``(timesteps, 4, samples, dim)`` (ones where there is none)."""
    if mask is None:
        return np.ones((timesteps, 4, samples, dim))
    mask = np.asarray(mask, dtype=np.float64)
    shapes = {2: (samples, dim), 3: (4, samples, dim), 4: (timesteps, 4, samples, dim)}
    if mask.ndim not in shapes or mask.shape != shapes[mask.ndim]:
        raise ValueError(f"{name} must have shape (samples, {dim_name}) = {shapes[2]}, "
                         f"(4, samples, {dim_name}) = {shapes[3]} or (timesteps, 4, samples, "
                         f"{dim_name}) = {shapes[4]}; got {mask.shape}")
    return np.broadcast_to(mask, shapes[4])


def lstm_with_masks(inputs, kernel, recurrent_kernel, bias, *, input_mask=None,
                    recurrent_mask=None):
    """An LSTM in training mode: ``(x_t * M_g) W_g + (h_{t-1} * R_g) U_g + b_g`` per gate g.

    Parameters
    ----------
    inputs : array ``(samples, timesteps, input_dim)``.
    kernel, recurrent_kernel, bias : Keras' layout, ``(input_dim, 4 * units)``,
        ``(units, 4 * units)``, ``(4 * units,)``.
    input_mask, recurrent_mask : ``None`` (no dropout) or a mask as in the module docstring.

    Returns
    -------
    dict of arrays ``(samples, timesteps, units)``: ``i``, ``f``, ``candidate``, ``o``,
    ``c``, ``h`` (float64).
    """
    kernel = np.asarray(kernel, dtype=np.float64)
    recurrent_kernel = np.asarray(recurrent_kernel, dtype=np.float64)
    bias = np.asarray(bias, dtype=np.float64)
    units = recurrent_kernel.shape[0]
    if kernel.ndim != 2 or kernel.shape[1] != 4 * units or recurrent_kernel.shape != (
            units, 4 * units) or bias.shape != (4 * units,):
        raise ValueError(f"expected kernel (input_dim, 4 * units), recurrent_kernel (units, "
                         f"4 * units) and bias (4 * units,); got {kernel.shape}, "
                         f"{recurrent_kernel.shape} and {bias.shape}")
    x = validate_input(inputs, input_dim=kernel.shape[0]).astype(np.float64)
    samples, timesteps, input_dim = x.shape
    masks_x = _per_step_and_gate(input_mask, timesteps, samples, input_dim, "input_mask",
                                 "input_dim")
    masks_h = _per_step_and_gate(recurrent_mask, timesteps, samples, units, "recurrent_mask",
                                 "units")
    W = np.split(kernel, 4, axis=1)
    U = np.split(recurrent_kernel, 4, axis=1)
    b = np.split(bias, 4)
    h, c = np.zeros((samples, units)), np.zeros((samples, units))
    recorded = {key: [] for key in ("i", "f", "candidate", "o", "c", "h")}
    for t in range(timesteps):
        z = [(x[:, t] * masks_x[t, g]) @ W[g] + (h * masks_h[t, g]) @ U[g] + b[g]
             for g in range(len(GATE_ORDER))]
        i, f, candidate, o = sigmoid(z[0]), sigmoid(z[1]), np.tanh(z[2]), sigmoid(z[3])
        c = f * c + i * candidate
        h = o * np.tanh(c)
        for key, value in zip(recorded, (i, f, candidate, o, c, h), strict=True):
            recorded[key].append(value)
    return {key: np.stack(values, axis=1) for key, values in recorded.items()}


def fresh_masks_every_step(shape, rate, timesteps, seed=0):
    """Masks drawn anew at every step, ``(timesteps, 4, *shape)``: the scheme Keras avoids.

    Each entry is 0 with probability ``rate`` and ``1 / (1 - rate)`` otherwise.
    """
    if not 0 <= rate < 1:
        raise ValueError(f"rate must lie in [0, 1); got {rate}")
    keep = np.random.default_rng(seed).random((timesteps, 4, *shape)) >= rate
    return keep / (1 - rate)


def cudnn_argument_conditions(layer):
    """Which of Keras 3.15.1's cuDNN conditions a ``keras.layers.LSTM`` or ``GRU`` meets, by name.

    As read in ``keras/src/backend/tensorflow/rnn.py`` (``_do_lstm_arguments_support_cudnn``,
    ``_do_gru_arguments_support_cudnn``, which adds ``reset_after``) and in
    ``keras/src/layers/rnn/lstm.py`` and ``gru.py`` (``inner_loop``). Two further conditions are
    checked only at run time and are not listed: a GPU must be visible, and a mask must be
    right-padded. Returns a dict ``condition -> bool``.
    """
    import keras
    import tensorflow as tf

    cell = layer.cell
    conditions = {
        "activation is tanh": cell.activation in (keras.activations.tanh, tf.tanh,
                                                  keras.ops.tanh),
        "recurrent_activation is sigmoid": cell.recurrent_activation in (
            keras.activations.sigmoid, tf.sigmoid, keras.ops.sigmoid),
        "unroll=False": not layer.unroll,
        "use_bias=True": bool(cell.use_bias),
    }
    if isinstance(layer, keras.layers.GRU):
        conditions["reset_after=True"] = bool(cell.reset_after)
    conditions["recurrent_dropout=0"] = not cell.recurrent_dropout
    conditions["use_cudnn is not False"] = layer.use_cudnn in ("auto", True)
    return conditions
