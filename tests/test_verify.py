"""The verdicts the chapters print: text that rounding noise cannot move."""

import numpy as np
import pytest

from rnnbook.verify import FLOAT32_TOLERANCE, Verdict, compare


@pytest.mark.parametrize("difference", [0.0, 1e-9, 3e-7, 9e-6, 1e-5])
def test_a_difference_within_tolerance_prints_the_same_text(difference):
    """Sub-tolerance differences are rounding noise: the text must not depend on them."""
    assert str(Verdict(difference, 1e-5)) == "numpy vs keras: agree within 1e-05"


def test_a_large_disagreement_prints_its_size_to_two_digits():
    assert str(Verdict(0.53, 1e-5)) == "numpy vs keras: DIFFER by 0.53 (tolerance 1e-05)"
    # noise far below the size does not move the two digits
    assert str(Verdict(0.53 + 3e-7, 1e-5)) == str(Verdict(0.53 - 3e-7, 1e-5))
    assert str(Verdict(1234.5, 1e-5)) == "numpy vs keras: DIFFER by 1.2e+03 (tolerance 1e-05)"
    assert str(Verdict(float("inf"), 1e-5)) == "numpy vs keras: DIFFER by inf (tolerance 1e-05)"


def test_a_disagreement_near_the_tolerance_prints_no_size():
    """Between 1x and 100x the tolerance, noise could still move a printed digit."""
    texts = {str(Verdict(d, 1e-5)) for d in (1.1e-5, 3e-5, 9.9e-4)}
    assert texts == {"numpy vs keras: DIFFER by more than the tolerance 1e-05 "
                     "(less than 100x it)"}


def test_labels_and_exact_tolerance():
    assert str(compare(np.ones(2), np.ones(2), tolerance=0, label="a - b")) == \
        "a vs b: agree exactly"
    assert str(Verdict(0.25, 0.0, "counted vs keras")) == \
        "counted vs keras: DIFFER by 0.25 (tolerance 0e+00)"


def test_compare_uses_the_float32_tolerance_by_default():
    ours = np.float32([1.0])
    assert compare(ours, ours + np.float32(2e-6)).ok
    assert not compare(ours, ours + np.float32(4 * FLOAT32_TOLERANCE)).ok


def test_compare_lists_nan_and_shapes():
    a = [np.array([1.0, np.nan]), np.zeros(2)]
    assert compare(a, [np.array([1.0, np.nan]), np.zeros(2)]).ok
    assert not compare(np.array([np.nan]), np.array([1.0])).ok
    assert not compare([np.ones(2)], [np.ones(2) + 1e-4]).ok
    with pytest.raises(ValueError, match="shapes"):
        compare(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="1 result"):
        compare(np.ones(2), [np.ones(2), np.ones(2)])
