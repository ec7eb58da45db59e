"""What Keras 2 computed differently from Keras 3 for recurrent code, in NumPy.

Multi-backend Keras 2 (to 2.2.5) gave ``LSTM`` and ``GRU`` the default
``recurrent_activation="hard_sigmoid"`` and defined it as ``clip(0.2 x + 0.5, 0, 1)``; Keras 3
defines ``hard_sigmoid`` as ``clip(x/6 + 1/2, 0, 1)`` (:func:`rnnbook.activations.hard_sigmoid`).
Multi-backend Keras 2 also built the GRU with ``reset_after=False``, and resolved
``metrics=["accuracy"]`` from the loss as well as the output shape (:func:`accuracy_metric`).
Each rule here transcribes Keras 2's source (tag ``2.2.5`` of keras-team/keras).
"""

import numpy as np

from rnnbook import cells
from rnnbook.activations import hard_sigmoid as hard_sigmoid_keras3

#: Defaults that changed, as ``{argument: (Keras 2 multi-backend, Keras 3)}``.
CHANGED_DEFAULTS = {
    "GRU reset_after": (False, True),
    "LSTM/GRU recurrent_activation (to Keras 2.2.5)": ("hard_sigmoid", "sigmoid"),
}

#: The metric names Keras 2's ``compile`` gave the strings "accuracy" and "acc".
KERAS2_ACCURACIES = ("binary_accuracy", "sparse_categorical_accuracy", "categorical_accuracy")


def hard_sigmoid_keras2(x):
    """Keras 2's ``hard_sigmoid``: ``clip(0.2 x + 0.5, 0, 1)``, saturating at ``|x| = 2.5``."""
    return np.clip(0.2 * np.asarray(x) + 0.5, 0.0, 1.0)


def hard_sigmoid_activation(x):
    """Keras 2's ``hard_sigmoid`` in ``keras.ops``, to pass as a Keras 3 layer's
    ``recurrent_activation`` and reproduce an old model's gates."""
    import keras

    return keras.ops.clip(0.2 * x + 0.5, 0.0, 1.0)


def hard_sigmoid_gap(low=-4.0, high=4.0, points=8001):
    """The largest ``|Keras 2 - Keras 3|`` hard sigmoid on a grid, and where it is.

    Returns ``(gap, x)``: ``1/12`` at ``x = +-2.5``, where Keras 2's reaches 1 (or 0) and
    Keras 3's is ``2.5/6 + 1/2``.
    """
    x = np.linspace(low, high, points)
    gap = np.abs(hard_sigmoid_keras2(x) - hard_sigmoid_keras3(x))
    return float(gap.max()), float(abs(x[np.argmax(gap)]))


def accuracy_metric(loss, output_shape):
    """The metric multi-backend Keras 2 compiled for ``metrics=["accuracy"]``.

    Keras 2.2.5's ``Model.compile`` (``keras/engine/training.py``, ``handle_metrics``) tests
    ``output_shape[-1] == 1 or self.loss_functions[i] == losses.binary_crossentropy`` first,
    then ``sparse_categorical_crossentropy``, else categorical. Keras 3 looks at the shapes
    only.

    Parameters
    ----------
    loss : the loss given to ``compile``, by name (``"binary_crossentropy"`` and so on).
    output_shape : the model output's shape, e.g. ``(None, timesteps, 10)``.

    Returns
    -------
    one of :data:`KERAS2_ACCURACIES`.
    """
    if not isinstance(loss, str):
        raise TypeError(f"loss must be a loss name such as 'binary_crossentropy'; got {loss!r}")
    if not output_shape:
        raise ValueError(f"output_shape must end with the output size; got {output_shape!r}")
    if output_shape[-1] == 1 or loss == "binary_crossentropy":
        return "binary_accuracy"
    if loss == "sparse_categorical_crossentropy":
        return "sparse_categorical_accuracy"
    return "categorical_accuracy"


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
