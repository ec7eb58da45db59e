"""NumPy versions of the activations Keras 3 offers, by the names Keras gives them.

Each follows Keras 3's own definition (for example ``hard_sigmoid(x) = clip(x/6 + 1/2, 0, 1)``;
Keras 2 used ``x/5``), so the reference engine agrees with Keras for every activation a
recurrent layer can be given.
"""

import math

import numpy as np

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


def sigmoid(x):
    """Logistic sigmoid, written through tanh so it never overflows.

    Its contract is an *absolute* error of at most about half a unit in the last place of 1
    (6e-8 in float32, 1.1e-16 in float64), the same everywhere. Its *relative* error is not
    bounded in the negative tail, where ``1 + tanh(x/2)`` cancels: in float32 it returns
    exactly 0 for ``x <= -20`` (the true value is 2.1e-9 at -20, and Keras returns that) and
    is off by up to a factor of two just above. Compare gates near 0 against a threshold,
    not for equality with 0.
    """
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def tanh(x):
    return np.tanh(x)


def linear(x):
    return x


def relu(x):
    return np.maximum(x, 0)


def relu6(x):
    return np.clip(x, 0, 6)


def leaky_relu(x, negative_slope=0.2):
    return np.where(x >= 0, x, negative_slope * x)


def elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def selu(x):
    return SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0)))


def celu(x, alpha=1.0):
    return np.maximum(x, 0) + alpha * np.expm1(np.minimum(x, 0) / alpha)


def softplus(x):
    return np.logaddexp(0, x).astype(np.result_type(x))


def softsign(x):
    return x / (1 + np.abs(x))


def squareplus(x, b=4):
    return (x + np.sqrt(x * x + b)) / 2


def sparse_plus(x):
    return np.where(x <= -1, 0, np.where(x < 1, 0.25 * (x + 1) ** 2, x))


def silu(x):
    return x * sigmoid(x)


def gelu(x):
    """Exact GELU, ``x * Phi(x)``: Keras' default (``approximate=False``)."""
    x = np.asarray(x)
    erf = np.vectorize(math.erf, otypes=[x.dtype])
    return 0.5 * x * (1 + erf(x / math.sqrt(2)))


def mish(x):
    return x * np.tanh(softplus(x))


def exponential(x):
    return np.exp(x)


def hard_sigmoid(x):
    """Keras 3: ``relu6(x + 3) / 6``, that is ``clip(x/6 + 1/2, 0, 1)``."""
    return np.clip(x + 3, 0, 6) / 6


def hard_silu(x):
    return x * hard_sigmoid(x)


def hard_tanh(x):
    return np.clip(x, -1, 1)


def sparse_sigmoid(x):
    return np.clip(0.5 * (x + 1), 0, 1)


def log_sigmoid(x):
    return -softplus(-x)


def tanh_shrink(x):
    return x - np.tanh(x)


def soft_shrink(x, threshold=0.5):
    return np.where(x > threshold, x - threshold, np.where(x < -threshold, x + threshold, 0))


def hard_shrink(x, threshold=0.5):
    return np.where(np.abs(x) > threshold, x, 0)


def softmax(x):
    """Softmax over the last axis (the units)."""
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def log_softmax(x):
    shifted = x - np.max(x, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


BY_NAME = {
    fn.__name__: fn
    for fn in (
        sigmoid, tanh, linear, relu, relu6, leaky_relu, elu, selu, celu, softplus, softsign,
        squareplus, sparse_plus, silu, gelu, mish, exponential, hard_sigmoid, hard_silu,
        hard_tanh, sparse_sigmoid, log_sigmoid, tanh_shrink, soft_shrink, hard_shrink,
        softmax, log_softmax,
    )
}
BY_NAME["swish"] = silu
BY_NAME["hard_swish"] = hard_silu

#: Activations that act on each number alone (softmax-like ones act across a gate's units).
ACROSS_UNITS = {softmax, log_softmax}

UNSUPPORTED = {
    "glu": "it halves the last axis, so a layer's state would not keep its size",
    "threshold": "it needs arguments that a layer's activation cannot be given",
    "sparsemax": "Keras 3.15's TensorFlow sparsemax adds up the cumulative sums instead of "
                 "taking the k-th one, so its outputs do not sum to 1; the reference does not "
                 "copy that",
}


def get(activation):
    """Return the NumPy activation for a Keras activation function or its name.

    Raises
    ------
    TypeError
        If Keras' activation has no NumPy counterpart here: a custom function, or one of
        :data:`UNSUPPORTED`, each with its reason.
    """
    if activation is None:
        return linear
    name = activation if isinstance(activation, str) else getattr(activation, "__name__", None)
    if name in BY_NAME:
        return BY_NAME[name]
    if name in UNSUPPORTED:
        raise TypeError(f"the reference engine does not support the activation {name!r}: "
                        f"{UNSUPPORTED[name]}")
    raise TypeError(
        f"unsupported activation {activation!r}: the reference engine knows Keras' "
        f"{', '.join(sorted(BY_NAME))}"
    )
