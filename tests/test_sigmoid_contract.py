"""The reference engine's sigmoid keeps the absolute-error contract its docstring states."""

import keras
import numpy as np
import pytest

from rnnbook.activations import sigmoid


@pytest.mark.parametrize("dtype,bound", [(np.float32, 6.0e-8), (np.float64, 1.2e-16)])
def test_sigmoid_absolute_error_is_half_an_ulp_of_one(dtype, bound):
    x = np.linspace(-40, 40, 200001).astype(dtype)
    exact = 1 / (1 + np.exp(-x.astype(np.longdouble)))
    assert float(np.abs(sigmoid(x).astype(np.longdouble) - exact).max()) < bound


def test_sigmoid_underflows_to_zero_in_float32_where_keras_does_not():
    x = np.float32(-30)
    assert sigmoid(x) == 0
    assert 0 < float(keras.ops.convert_to_numpy(keras.ops.sigmoid(x))) < 1e-12
    # ... and just above the cut-off the relative error is large, the absolute one is not
    x = np.float32(-18)
    exact = 1 / (1 + np.exp(18.0))
    assert abs(sigmoid(x) / exact - 1) > 0.5 and abs(sigmoid(x) - exact) < 6e-8
