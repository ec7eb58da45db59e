"""One time step of each recurrent cell, in plain NumPy and Keras' weight layout.

Rows are samples: ``x_t`` is ``(samples, input_dim)`` and states are ``(samples, units)``.
The weights are exactly what ``layer.get_weights()`` returns: ``kernel`` is
``(input_dim, k * units)``, ``recurrent_kernel`` is ``(units, k * units)`` and ``bias`` is
``(k * units,)``, with the ``k`` gate blocks side by side in Keras' order
(LSTM: i, f, c, o; GRU: z, r, h). Each step returns its new state(s) and a dict of the
intermediate values it computed, for tracing.
"""

import numpy as np

from rnnbook.activations import sigmoid


def simple_rnn_step(x_t, h_prev, kernel, recurrent_kernel, bias=None, activation=np.tanh):
    """h_t = activation(x_t W + h_{t-1} U + b).

    Returns ``h_t`` of shape ``(samples, units)`` and ``{"h": h_t}``.
    """
    pre = x_t @ kernel + h_prev @ recurrent_kernel
    if bias is not None:
        pre = pre + bias
    h = activation(pre)
    return h, {"h": h}


def lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias=None,
              activation=np.tanh, recurrent_activation=sigmoid):
    """One LSTM step (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000).

    Returns ``h_t``, ``c_t`` (each ``(samples, units)``) and the gates.
    """
    z = x_t @ kernel + h_prev @ recurrent_kernel
    if bias is not None:
        z = z + bias
    z_i, z_f, z_c, z_o = np.split(z, 4, axis=-1)  # Keras' gate order
    i = recurrent_activation(z_i)                # input gate
    f = recurrent_activation(z_f)                # forget gate
    candidate = activation(z_c)                  # C~_t, what could be written
    o = recurrent_activation(z_o)                # output gate
    c = f * c_prev + i * candidate               # additive: no squashing here
    h = o * activation(c)
    return h, c, {"i": i, "f": f, "o": o, "candidate": candidate, "c": c, "h": h}


def gru_step(x_t, h_prev, kernel, recurrent_kernel, bias=None, activation=np.tanh,
             recurrent_activation=sigmoid, reset_after=True):
    """One GRU step in Keras' convention: ``h_t = z * h_{t-1} + (1 - z) * h~_t``.

    With ``reset_after=True`` (Keras 3's default) ``bias`` is ``(2, 3 * units)``: row 0 is
    added to ``x_t W``, row 1 to ``h_{t-1} U``, and the reset gate multiplies
    ``h_{t-1} U_h + b_h`` *after* the matrix product. With ``reset_after=False``
    (Cho et al. 2014) ``bias`` is ``(3 * units,)`` and the reset gate multiplies
    ``h_{t-1}`` before it.

    Returns ``h_t`` of shape ``(samples, units)`` and the gates.
    """
    units = h_prev.shape[-1]
    input_bias, recurrent_bias = 0, 0
    if bias is not None:
        input_bias, recurrent_bias = (bias[0], bias[1]) if reset_after else (bias, 0)
    x_z, x_r, x_h = np.split(x_t @ kernel + input_bias, 3, axis=-1)
    U_z, U_r, U_h = np.split(recurrent_kernel, 3, axis=-1)
    b_z, b_r, b_h = np.split(np.broadcast_to(recurrent_bias, (3 * units,)), 3)
    z = recurrent_activation(x_z + h_prev @ U_z + b_z)   # update gate
    r = recurrent_activation(x_r + h_prev @ U_r + b_r)   # reset gate
    if reset_after:
        candidate = activation(x_h + r * (h_prev @ U_h + b_h))
    else:
        candidate = activation(x_h + (r * h_prev) @ U_h)
    h = z * h_prev + (1 - z) * candidate
    return h, {"z": z, "r": r, "candidate": candidate, "h": h}
