"""Checks the chapters print: random weights for a layer, and a verdict against Keras."""

import math
from dataclasses import dataclass

import numpy as np

from rnnbook.backend import to_numpy

#: Float32 agreement bar between the NumPy reference and Keras: float32 carries about 7
#: significant digits and a short sequence accumulates a few roundings of values of order 1.
FLOAT32_TOLERANCE = 1e-5


def randomize_weights(layer, seed=0, scale=0.5):
    """Give every weight array of ``layer`` (kernels *and* biases) its own random values.

    Keras initialises biases to constants, and constants cannot tell the gate blocks
    apart: a reference with the gates in the wrong order would still agree. Random
    values catch it. Returns the layer.
    """
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.normal(0.0, scale, w.shape).astype(w.dtype)
                       for w in layer.get_weights()])
    return layer


def _as_list(values):
    return list(values) if isinstance(values, (list, tuple)) else [values]


#: A disagreement this many times the tolerance is printed with its size: far above the
#: noise, two significant digits survive a change of CPU, BLAS kernel or thread count.
SHOW_SIZE_FROM = 100


@dataclass(frozen=True)
class Verdict:
    """The largest absolute difference between two results, and whether it is within tolerance.

    Printed, a verdict never shows the size of a difference within tolerance: that size is
    rounding noise, which differs from machine to machine. A difference at least
    ``SHOW_SIZE_FROM`` times the tolerance is shown to two significant digits, so an
    erratum says how wrong it is; one in between only says that it exceeds the tolerance.
    """

    max_difference: float
    tolerance: float
    label: str = "numpy vs keras"

    @property
    def ok(self):
        return self.max_difference <= self.tolerance

    def __bool__(self):
        return self.ok

    @property
    def sides(self):
        """The two sides' names, ``"a vs b"`` (a label written ``"a - b"`` is read the same)."""
        return self.label.replace(" - ", " vs ")

    def __str__(self):
        d, tol = self.max_difference, self.tolerance
        if self.ok:
            agreement = "agree exactly" if tol == 0 else f"agree within {tol:.0e}"
            return f"{self.sides}: {agreement}"
        if not math.isfinite(d) or d >= SHOW_SIZE_FROM * tol:
            return f"{self.sides}: DIFFER by {d:.2g} (tolerance {tol:.0e})"
        return (f"{self.sides}: DIFFER by more than the tolerance {tol:.0e} "
                f"(less than {SHOW_SIZE_FROM}x it)")


def compare(ours, theirs, tolerance=FLOAT32_TOLERANCE, label="numpy vs keras"):
    """Compare two results (arrays, or lists of arrays of matching shapes).

    NaN in the same places counts as agreement; anything else involving NaN does not.
    Either side may hold tensors of any Keras backend (:func:`rnnbook.backend.to_numpy`).
    ``label`` names the two sides in the printed verdict.
    """
    ours, theirs = _as_list(ours), _as_list(theirs)
    if len(ours) != len(theirs):
        raise ValueError(f"cannot compare {len(ours)} result(s) with {len(theirs)}")
    worst = 0.0
    for a, b in zip(ours, theirs, strict=True):
        a, b = (np.asarray(to_numpy(v), dtype=np.float64) for v in (a, b))
        if a.shape != b.shape:
            raise ValueError(f"cannot compare shapes {a.shape} and {b.shape}")
        same_nan = np.isnan(a) & np.isnan(b)
        diff = np.where(same_nan, 0.0, np.abs(a - b))
        if diff.size:
            worst = max(worst, float(np.nan_to_num(diff, nan=np.inf).max()))
    return Verdict(worst, tolerance, label)
