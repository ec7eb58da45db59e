"""The verdicts the chapters print."""

import numpy as np
import pytest

from rnnbook.verify import Verdict, compare


def test_verdict_text_is_a_stable_bound():
    assert str(compare(np.float32([1.0]), np.float32([1.0 + 2.7e-7]))) == \
        "max |numpy - keras| < 1e-06, tolerance 1e-05: True"
    assert str(Verdict(0.0, 1e-5)) == "max |numpy - keras| = 0, tolerance 1e-05: True"
    assert str(Verdict(0.03, 1e-5)) == "max |numpy - keras| < 1e-01, tolerance 1e-05: False"


def test_compare_lists_nan_and_shapes():
    a = [np.array([1.0, np.nan]), np.zeros(2)]
    assert compare(a, [np.array([1.0, np.nan]), np.zeros(2)]).ok
    assert not compare(np.array([np.nan]), np.array([1.0])).ok
    assert not compare([np.ones(2)], [np.ones(2) + 1e-4]).ok
    with pytest.raises(ValueError, match="shapes"):
        compare(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="1 result"):
        compare(np.ones(2), [np.ones(2), np.ones(2)])
