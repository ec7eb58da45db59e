"""Sparsemax (Martins & Astudillo 2016) in NumPy, and the threshold Keras 3.15's TensorFlow
backend computes instead.

Sparsemax is the Euclidean projection of a vector ``z`` onto the probability simplex:
``sparsemax(z)_j = max(z_j - tau, 0)`` with ``tau = (sum_{j <= k} z_(j) - 1) / k``, where
``z_(1) >= z_(2) >= ...`` are the sorted entries and ``k`` is the size of the support, the largest
``k`` with ``1 + k z_(k) > sum_{j <= k} z_(j)``. Its outputs are non-negative and sum to 1.
Keras 3.15's TensorFlow ``sparsemax`` adds up the first ``k`` *cumulative* sums instead of
taking the ``k``-th one (``keras/src/backend/tensorflow/nn.py``); :func:`keras_tf_threshold`
writes that down so the difference can be shown.
"""

import numpy as np


def _sorted_sums(z, axis):
    z_sorted = -np.sort(-z, axis=axis)                          # descending
    cumsum = np.cumsum(z_sorted, axis=axis)
    shape = [1] * z.ndim
    shape[axis] = -1
    k = np.arange(1, z.shape[axis] + 1, dtype=z.dtype).reshape(shape)
    support = z_sorted - (cumsum - 1) / k > 0                   # 1 + k z_(k) > cumsum_k
    return cumsum, support, np.sum(support, axis=axis, keepdims=True)


def threshold(z, axis=-1):
    """Sparsemax's ``tau``, ``(sum of the k largest entries - 1) / k``; shape of ``z`` with
    ``axis`` of size 1."""
    z = np.asarray(z, dtype=np.float64)
    cumsum, _, k = _sorted_sums(z, axis)
    return (np.take_along_axis(cumsum, k - 1, axis=axis) - 1) / k


def sparsemax(z, axis=-1):
    """Sparsemax along ``axis``: ``max(z - tau, 0)``, non-negative, summing to 1 (float64)."""
    z = np.asarray(z, dtype=np.float64)
    return np.maximum(z - threshold(z, axis), 0.0)


def keras_tf_threshold(z, axis=-1):
    """The ``tau`` of Keras 3.15's TensorFlow ``sparsemax``: the sum over the support of the
    cumulative sums, minus 1, over ``k``. Equal to :func:`threshold` only when ``k = 1``."""
    z = np.asarray(z, dtype=np.float64)
    cumsum, support, k = _sorted_sums(z, axis)
    return (np.sum(np.where(support, cumsum, 0.0), axis=axis, keepdims=True) - 1) / k


def keras_tf_sparsemax(z, axis=-1):
    """``max(z - tau, 0)`` with Keras 3.15's TensorFlow threshold (:func:`keras_tf_threshold`)."""
    z = np.asarray(z, dtype=np.float64)
    return np.maximum(z - keras_tf_threshold(z, axis), 0.0)
