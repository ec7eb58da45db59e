"""Which environment knobs change the book's arithmetic on this machine?

Usage: python tools/portability_probe.py            (prints a table, one row per knob)
       python tools/portability_probe.py --values   (internal: prints the probe's values)

The probe computes, in a fresh process, the kinds of floats the chapters print: NumPy
activations and matrix products, the reference engine's outputs, Keras' outputs, a
GradientTape gradient and a few steps of training. Each knob (a set of environment
variables) is applied to a fresh process, and the values are compared with those of the
default environment: the table gives, per knob, how many values changed at all and the
largest relative change. The portability run in `make test` uses the combination that
changes the most; see the README.
"""

import json
import os
import subprocess
import sys

from portable_env import portable_environment

KNOBS = {
    "one thread everywhere": {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                              "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1"},
    "BLAS: one thread": {"OPENBLAS_NUM_THREADS": "1"},
    "TensorFlow: one intra-op thread": {"TF_NUM_INTRAOP_THREADS": "1"},
    "TensorFlow: one inter-op thread": {"TF_NUM_INTEROP_THREADS": "1"},
    "NumPy: no AVX2/AVX-512 dispatch": {"NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL"},
    "NumPy: no AVX-512 dispatch": {"NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL"},
    "OpenBLAS: Haswell kernels": {"OPENBLAS_CORETYPE": "Haswell"},
    "OpenBLAS: Sandybridge kernels": {"OPENBLAS_CORETYPE": "Sandybridge"},
    "OpenBLAS: Prescott kernels": {"OPENBLAS_CORETYPE": "Prescott"},
    "TensorFlow: oneDNN on": {"TF_ENABLE_ONEDNN_OPTS": "1"},
    "TensorFlow: oneDNN on, AVX2 only": {"TF_ENABLE_ONEDNN_OPTS": "1",
                                         "ONEDNN_MAX_CPU_ISA": "AVX2"},
}


def probe_values():
    """The probe's floats, by name (computed in this process)."""
    import rnnbook  # noqa: F401  # isort: skip  (before keras: TensorFlow's settings)
    import keras
    import numpy as np
    import tensorflow as tf

    from rnnbook import reference

    values = {}
    rng = np.random.default_rng(0)
    a = rng.normal(size=(64, 300)).astype("float32")
    b = rng.normal(size=(300, 200)).astype("float32")
    values["numpy matmul"] = (a @ b)[:4, :4].ravel()
    values["numpy tanh"] = np.tanh(a[:2] * 3)[:, :64].ravel()
    values["numpy exp"] = np.exp(a[:2])[:, :64].ravel()
    values["numpy sum"] = np.array([a.sum(), (a * a).sum(axis=1)[:4].sum()])
    x = rng.normal(size=(32, 40, 24)).astype("float32")
    keras.utils.set_random_seed(0)
    for kind in ("SimpleRNN", "LSTM", "GRU"):
        layer = getattr(keras.layers, kind)(48, return_sequences=True)
        layer.build((None, 40, 24))
        ours = reference.forward(layer, x)
        theirs = np.asarray(layer(x))
        values[f"reference {kind}"] = ours[:2, -1].ravel()
        values[f"keras {kind}"] = theirs[:2, -1].ravel()
        values[f"max |reference - keras| {kind}"] = np.array([np.abs(ours - theirs).max()])
    big_a = rng.normal(size=(512, 2048)).astype("float32")
    big_b = rng.normal(size=(2048, 512)).astype("float32")
    values["tensorflow matmul 512x2048x512"] = tf.matmul(big_a, big_b).numpy()[:8, :8].ravel()
    lstm = keras.layers.LSTM(32)
    lstm.build((None, 40, 24))
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(lstm(xt) ** 2)
    values["gradient"] = tape.gradient(loss, lstm.trainable_weights[0]).numpy()[:4].ravel()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((40, 24)), keras.layers.GRU(16),
                              keras.layers.Dense(1)])
    model.compile("adam", "mse")
    y = x[:, :, 0].sum(axis=1, keepdims=True)
    history = model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    values["training loss"] = np.array(history.history["loss"])
    return {name: [float(v) for v in np.ravel(val)] for name, val in values.items()}


def run(extra_env):
    env = {**os.environ, **extra_env}
    out = subprocess.run([sys.executable, __file__, "--values"], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def changes(base, other):
    """How many values differ at all, of how many, and in which of the probe's groups."""
    changed, total, groups = 0, 0, []
    for name, values in base.items():
        moved = sum(a != b for a, b in zip(values, other[name], strict=True))
        total += len(values)
        changed += moved
        if moved:
            groups.append(name)
    return changed, total, groups


def row(label, counts):
    changed, total, groups = counts
    print(f"{label:44s} {changed:5d} of {total}   {', '.join(groups) or '-'}")


def main():
    base = run({})
    print(f"{'knob':44s} changed values  in")
    row("(none: the default environment again)", changes(base, run({})))
    for label, env in KNOBS.items():
        row(label, changes(base, run(env)))
    row("the portability run (tools/portable_env.py)", changes(base, run(portable_environment())))


if __name__ == "__main__":
    if "--values" in sys.argv:
        print(json.dumps(probe_values()))
    else:
        main()
