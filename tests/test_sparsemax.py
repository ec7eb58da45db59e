"""Sparsemax in NumPy, and Keras 3.15's TensorFlow sparsemax (an erratum of this book)."""

import keras
import numpy as np
import pytest

from rnnbook import sparsemax as sm


@pytest.fixture
def z():
    return np.random.default_rng(3).normal(size=(50, 6))


def test_sparsemax_is_a_distribution(z):
    p = sm.sparsemax(z)
    assert (p >= 0).all()
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, atol=1e-12)


def test_sparsemax_is_the_projection_onto_the_simplex():
    # hand-worked: z = [1, 0.5, -1]: support {1, 0.5}, tau = (1.5 - 1) / 2 = 0.25
    np.testing.assert_allclose(sm.sparsemax([1.0, 0.5, -1.0]), [0.75, 0.25, 0.0])
    np.testing.assert_allclose(sm.sparsemax([3.0, 0.0, 0.0]), [1.0, 0.0, 0.0])
    np.testing.assert_allclose(sm.sparsemax([0.2, 0.2, 0.2, 0.2]), [0.25] * 4)


def test_sparsemax_along_another_axis(z):
    np.testing.assert_allclose(sm.sparsemax(z.T, axis=0), sm.sparsemax(z).T)


def test_keras_tensorflow_sparsemax_is_the_cumulative_sum_threshold(z):
    # The claim keras-sparsemax-definition is demonstrated on the errata page; this pins the
    # formula the page relies on.
    theirs = np.asarray(keras.activations.sparsemax(z.astype("float32")))
    np.testing.assert_allclose(theirs, sm.keras_tf_sparsemax(z), atol=1e-5)
    assert np.abs(theirs.sum(axis=-1) - 1).max() > 0.1


def test_keras_agrees_only_when_the_support_has_one_entry():
    one = np.array([[5.0, 0.0, -1.0]])
    assert np.array_equal(sm.keras_tf_threshold(one), sm.threshold(one))
    two = np.array([[1.0, 0.5, -1.0]])
    assert not np.allclose(sm.keras_tf_threshold(two), sm.threshold(two))
