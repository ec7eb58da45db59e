"""Time the NumPy reference beside Keras, and measure the matrix-multiply floor.

Usage: python tools/benchmark.py [--quick] [--out data/benchmark.json]

For SimpleRNN, LSTM and GRU at three sizes (samples x timesteps x input_dim x units), it
times, interleaved round by round so that drift in the machine's load hits all alike:
  - the reference, ``rnnbook.reference.forward``;
  - Keras compiled (the layer called inside a ``tf.function``, traced once beforehand);
  - Keras eager (``layer(x)``).
The GEMM floor is the sequence's multiply-adds, 2 * samples * timesteps * (input_dim + units)
* gates * units, divided by the float32 throughput of one large matrix product measured in
the same run. It also times the reference as timesteps and units grow, and checks that its
cost stays linear in timesteps. Results go to a JSON file; a table goes to the terminal.
"""

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import numpy as np

# isort: off
import rnnbook  # noqa: F401  (before TensorFlow: keeps its log lines quiet)
import keras
import tensorflow as tf
# isort: on

from rnnbook import reference
from rnnbook.verify import compare, randomize_weights

SIZES = [(1, 50, 8, 16), (64, 100, 32, 128), (256, 200, 64, 256)]
KINDS = {"SimpleRNN": (keras.layers.SimpleRNN, 1), "LSTM": (keras.layers.LSTM, 4),
         "GRU": (keras.layers.GRU, 3)}
ROUNDS = 7


def gemm_flops_per_second(repeats=5):
    """float32 throughput of one large matrix product, in FLOP/s (median of repeats)."""
    a = np.random.default_rng(0).standard_normal((2048, 1024), dtype=np.float32)
    b = np.random.default_rng(1).standard_normal((1024, 1024), dtype=np.float32)
    a @ b
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 2 * 2048 * 1024 * 1024 / statistics.median(times)


def sequence_flops(size, gates):
    samples, timesteps, input_dim, units = size
    return 2 * samples * timesteps * (input_dim + units) * gates * units


def build(kind, size):
    layer_class, _ = KINDS[kind]
    samples, timesteps, input_dim, units = size
    layer = layer_class(units)
    layer.build((None, timesteps, input_dim))
    randomize_weights(layer, seed=0, scale=0.1)
    x = np.random.default_rng(0).standard_normal((samples, timesteps, input_dim),
                                                 dtype=np.float32)
    compiled = tf.function(lambda inputs: layer(inputs))
    compiled(x)
    return layer, x, compiled


def timed(function, *args):
    start = time.perf_counter()
    np.asarray(function(*args))
    return time.perf_counter() - start


def benchmark_sizes(rounds, sizes, flops_per_second, progress):
    rows = []
    for size in sizes:
        for kind, (_, gates) in KINDS.items():
            layer, x, compiled = build(kind, size)
            agree = compare(reference.forward(layer, x), compiled(x)).ok
            samples = {"reference": [], "keras_compiled": [], "keras_eager": []}
            for _ in range(rounds):
                samples["reference"].append(timed(reference.forward, layer, x))
                samples["keras_compiled"].append(timed(compiled, x))
                samples["keras_eager"].append(timed(layer, x))
            medians = {k: statistics.median(v) * 1e3 for k, v in samples.items()}
            floor = sequence_flops(size, gates) / flops_per_second * 1e3
            rows.append({"kind": kind, "size": size, "agrees_with_keras": agree,
                         **{f"{k}_ms": round(v, 3) for k, v in medians.items()},
                         "gemm_floor_ms": round(floor, 3),
                         "reference_over_compiled": round(medians["reference"]
                                                          / medians["keras_compiled"], 3),
                         "reference_over_floor": round(medians["reference"] / floor, 3)})
            progress.add(1)
    return rows


def scaling(rounds, progress):
    """Reference time for an LSTM as timesteps, then units, grow (samples 64, input_dim 32)."""
    results = {"timesteps": [], "units": []}
    for timesteps in (25, 50, 100, 200, 400):
        layer, x, _ = build("LSTM", (64, timesteps, 32, 128))
        t = statistics.median(timed(reference.forward, layer, x) for _ in range(rounds))
        results["timesteps"].append({"timesteps": timesteps, "ms": round(t * 1e3, 3)})
        progress.add(1)
    for units in (32, 64, 128, 256):
        layer, x, _ = build("LSTM", (64, 100, 32, units))
        t = statistics.median(timed(reference.forward, layer, x) for _ in range(rounds))
        results["units"].append({"units": units, "ms": round(t * 1e3, 3)})
        progress.add(1)
    steps = np.array([r["timesteps"] for r in results["timesteps"]], float)
    ms = np.array([r["ms"] for r in results["timesteps"]])
    slope, intercept = np.polyfit(steps, ms, 1)
    fitted = slope * steps + intercept
    results["linear_fit"] = {"ms_per_step": round(float(slope), 4),
                             "max_relative_deviation": round(float(np.max(np.abs(ms - fitted)
                                                                          / ms)), 3)}
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two smaller sizes, 3 rounds")
    parser.add_argument("--out", default="data/benchmark.json")
    args = parser.parse_args()
    rounds = 3 if args.quick else ROUNDS
    sizes = SIZES[:2] if args.quick else SIZES
    progress = keras.utils.Progbar(len(sizes) * len(KINDS) + 9, unit_name="case")
    flops = gemm_flops_per_second()
    rows = benchmark_sizes(rounds, sizes, flops, progress)
    growth = scaling(rounds, progress)
    result = {"machine": {"processor": platform.processor() or platform.machine(),
                          "cores": __import__("os").cpu_count(),
                          "numpy": np.__version__, "tensorflow": tf.__version__,
                          "keras": keras.__version__},
              "rounds": rounds, "gemm_gflops": round(flops / 1e9, 2), "sizes": rows,
              "scaling": growth}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(f"\nGEMM throughput {flops / 1e9:.1f} GFLOP/s; medians of {rounds} rounds (ms):")
    print(f"{'kind':10s} {'size':22s} {'reference':>10s} {'compiled':>10s} {'eager':>10s} "
          f"{'floor':>8s} {'ref/comp':>9s} {'ref/floor':>9s}")
    for r in rows:
        print(f"{r['kind']:10s} {str(tuple(r['size'])):22s} {r['reference_ms']:10.2f} "
              f"{r['keras_compiled_ms']:10.2f} {r['keras_eager_ms']:10.2f} "
              f"{r['gemm_floor_ms']:8.2f} {r['reference_over_compiled']:9.2f} "
              f"{r['reference_over_floor']:9.2f}")
    fit = growth["linear_fit"]
    print(f"LSTM reference: {fit['ms_per_step']} ms per time step; largest deviation from a "
          f"straight line {100 * fit['max_relative_deviation']:.0f}%")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
