"""What Keras 2 computed differently from Keras 3 for recurrent layers, in NumPy.

Multi-backend Keras 2 (to 2.2.5) and ``tf.keras`` of TensorFlow 1 gave LSTM and GRU the
``recurrent_activation="hard_sigmoid"`` by default, and defined it as ``clip(0.2 x + 0.5, 0, 1)``;
Keras 3 defines ``hard_sigmoid`` as ``clip(x/6 + 1/2, 0, 1)`` (:func:`rnnbook.activations.
hard_sigmoid`). Multi-backend Keras 2 also built the GRU with ``reset_after=False``.
"""

import numpy as np

from rnnbook import cells
from rnnbook.activations import hard_sigmoid as hard_sigmoid_keras3

#: Defaults that changed, as ``{argument: (Keras 2 multi-backend, Keras 3)}``.
CHANGED_DEFAULTS = {
    "GRU reset_after": (False, True),
    "LSTM/GRU recurrent_activation (to Keras 2.2.5)": ("hard_sigmoid", "sigmoid"),
}


def hard_sigmoid_keras2(x):
    """Keras 2's ``hard_sigmoid``: ``clip(0.2 x + 0.5, 0, 1)``, saturating at ``|x| = 2.5``."""
    return np.clip(0.2 * np.asarray(x) + 0.5, 0.0, 1.0)


def hard_sigmoid_gap(low=-4.0, high=4.0, points=8001):
    """The largest ``|Keras 2 - Keras 3|`` hard sigmoid on a grid, and where it is.

    Returns ``(gap, x)``: ``1/12`` at ``x = +-2.5``, where Keras 2's reaches 1 (or 0) and
    Keras 3's is ``2.5/6 + 1/2``.
    """
    x = np.linspace(low, high, points)
    gap = np.abs(hard_sigmoid_keras2(x) - hard_sigmoid_keras3(x))
    return float(gap.max()), float(abs(x[np.argmax(gap)]))


def lstm_outputs(inputs, kernel, recurrent_kernel, bias, *, recurrent_activation):
    """An LSTM's output at every step, ``(samples, timesteps, units)``, with the given gate
    activation (e.g. :func:`hard_sigmoid_keras2`), weights in Keras' layout, from zero states."""
    x = np.asarray(inputs, dtype=np.float64)
    units = np.shape(recurrent_kernel)[0]
    h = c = np.zeros((x.shape[0], units))
    outputs = []
    for t in range(x.shape[1]):
        h, c, _ = cells.lstm_step(x[:, t], h, c, kernel, recurrent_kernel, bias,
                                  recurrent_activation=recurrent_activation)
        outputs.append(h)
    return np.stack(outputs, axis=1)

