"""Time the NumPy reference beside Keras and beside its matrix products alone.

Usage: python tools/benchmark.py [--quick] [--rounds N] [--conditions idle,loaded]
                                 [--page-reporting off] [--out data/benchmark.json]

For SimpleRNN, LSTM and GRU at three sizes (samples x timesteps x input_dim -> units) it
times, interleaved round by round (rnnbook.benchmark.interleaved), the reference's forward
call on one thread and split over the cores, its trace (on memory as it comes, and on memory
just freed), Keras' compiled and eager calls, and
the floor: the engine's matrix products alone, computed three ways (one thread, split over
the cores, OpenBLAS's threads), the fastest of which is the floor. It does so twice:

  idle    as the machine is (the load average is recorded: "idle" only if nothing else ran);
  loaded  with a process spinning on the last core (rnnbook.benchmark.busy_core), the
          condition of a machine shared with another program.

Then, on the idle machine: what the largest trace's memory costs just freed and after a
pause (rnnbook.benchmark.fresh_memory), where one thread's loop spends its time (products,
activations, other elementwise work and copies, call overhead), and how the reference's and
Keras' times grow with timesteps, batch and units. Results go to data/benchmark.json (read by
appendices/performance.ipynb); the ratio tables go to the terminal.

With --page-reporting off (make bench-unreported, as root) the whole run is made with the
kernel's free page reporting turned off (rnnbook.benchmark.page_reporting_off) and set back
after: the same run on the same machine without the hypervisor taking freed memory back.
"""

import argparse
import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path

# isort: off
import rnnbook  # noqa: F401  (before TensorFlow: keeps its log lines quiet)
# isort: on

from rnnbook import benchmark as bench
from rnnbook import loops
from rnnbook.provenance import environment

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 7
#: The smaller sizes take milliseconds a round, where one disturbance weighs most on the
#: fastest round: they run this many times as many rounds (about a minute more in all).
SMALL_SIZE_ROUNDS = 3
#: What a whole run may take (make bench must end within ten minutes on a quiet machine):
#: when the two conditions have used more than half of it, the split and the scaling series
#: run with the fewest rounds (3), and the file records how many they used.
BUDGET_SECONDS = 540
#: Seconds with nothing allocated before a "cold" allocation (free memory is reported to a
#: hypervisor 2 s after it is freed, where the machine does that: rnnbook.benchmark).
FRESH_MEMORY_PAUSE, FRESH_MEMORY_REPEATS = 3.0, 3
#: The LSTM whose time the scaling series follow, and the values each series takes.
SCALING_BASE = (64, 100, 32, 128)
SCALING = {"timesteps": (25, 50, 100, 200, 400), "samples": (16, 32, 64, 128, 256),
           "units": (32, 64, 128, 256)}


def load():
    return [round(value, 2) for value in os.getloadavg()]


def ratio(numerator, denominator):
    return {stat: numerator[stat] / denominator[stat] for stat in ("min", "median")}


def time_case(kind, size, rounds, eager):
    """One layer kind and size: every contestant's min and median, and the ratios."""
    timed, agrees, threads = bench.contestants(kind, size, eager=eager)
    load_before = load()
    times = bench.interleaved(timed, rounds)
    ms = {name: bench.summary(values) for name, values in times.items()}
    floor_names = [name for name in ms if name.startswith("products_")]
    floor = {stat: min(ms[name][stat] for name in floor_names) for stat in ("min", "median")}
    chosen = ms[f"reference_{threads}"]
    forwards = {name: ms[name]["min"] for name in ms if name.startswith("reference_")}
    return {"kind": kind, "size": list(size), "rounds": rounds, "agrees_with_keras": agrees,
            "threads": threads, "threads_fastest": min(forwards, key=forwards.get)
            == f"reference_{threads}", "load": [load_before, load()], "ms": ms,
            "floor_ms": floor, "reference_over_keras": ratio(chosen, ms["keras"]),
            "trace_over_keras": ratio(ms["trace"], ms["keras"]),
            "trace_warm_over_keras": ratio(ms["trace_warm"], ms["keras"]),
            "reference_over_floor": ratio(chosen, floor)}


def time_condition(name, sizes, rounds):
    eager = name == "idle"
    print(f"\n{name}: {len(sizes) * len(bench.KINDS)} cases, {rounds} interleaved rounds "
          f"at the largest size, {SMALL_SIZE_ROUNDS * rounds} at the others", flush=True)
    condition = {"busy_process": name == "loaded", "load_before": load(), "cases": []}
    for size in sizes:
        factor = 1 if tuple(size) == max(map(tuple, sizes)) else SMALL_SIZE_ROUNDS
        for kind in bench.KINDS:
            condition["cases"].append(time_case(kind, size, factor * rounds, eager))
            print(f"  {kind} {size} done (load {load()[0]})", flush=True)
    condition["load_after"] = load()
    return condition


def fresh_memory(sizes):
    """What the largest LSTM's trace storage costs to allocate and write, just freed and cold,
    and how much memory the kernel reported meanwhile (where it counts that)."""
    nbytes = bench.trace_extra_bytes("LSTM", max(map(tuple, sizes)))
    before = bench.page_reporting()["reported_kib"]
    times = bench.fresh_memory(nbytes, pause=FRESH_MEMORY_PAUSE, repeats=FRESH_MEMORY_REPEATS)
    after = bench.page_reporting()["reported_kib"]
    return {"bytes": nbytes, "pause_s": FRESH_MEMORY_PAUSE, "repeats": FRESH_MEMORY_REPEATS,
            "reported_mb": None if before is None else (after - before) / 1024,
            **{name: bench.summary(values) for name, values in times.items()}}


def splits(sizes, rounds):
    results = []
    for size in sizes:
        for kind in bench.KINDS:
            layer, x, _ = bench.build(kind, size)
            results.append({"kind": kind, "size": list(size),
                            "ms": bench.split(layer, x, rounds), "load": load()})
    return results


def scaling(rounds):
    """Reference and Keras (compiled) times for an LSTM as one of its sizes grows."""
    series = {}
    for axis, values in SCALING.items():
        index = {"samples": 0, "timesteps": 1, "units": 3}[axis]
        points = []
        for value in values:
            size = list(SCALING_BASE)
            size[index] = value
            layer, x, compiled = bench.build("LSTM", tuple(size))
            times = bench.beside_keras(layer, x, compiled, rounds)
            points.append({axis: value, "threads": loops.threads_for("LSTM", size[0], size[3]),
                           **{name: bench.summary(t) for name, t in times.items()}})
        xs = [point[axis] for point in points]
        series[axis] = {"points": points, "slope": {
            name: bench.loglog_slope(xs, [point[name]["min"] for point in points])
            for name in ("reference", "keras")}}
    return series


def rounded(value):
    """Floats to 4 significant digits for the file (the page prints at most 3)."""
    if isinstance(value, float):
        return float(f"{value:.4g}")
    if isinstance(value, dict):
        return {key: rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [rounded(item) for item in value]
    return value


def print_tables(result):
    machine = result["machine"]
    print(f"\n{machine['model']}, {machine['cores']} cores; SIMD {' '.join(machine['simd'])}")
    for pool in machine["blas"]:
        print(f"BLAS: {pool['internal_api']} {pool['version']}, kernel {pool['architecture']},"
              f" {pool['num_threads']} threads ({pool['threading_layer']})")
    reporting = machine["page_reporting"]
    print(f"free memory reported to a hypervisor: {reporting['active']} (device "
          f"{reporting['device']}, page_reporting_order {reporting['order']}, highest order "
          f"{reporting['highest_order']})")
    for name, condition in result["conditions"].items():
        print(f"\n{name}: load average {condition['load_before']} before, "
              f"{condition['load_after']} after; ratios of the fastest (and median) of "
              f"the interleaved rounds ({result['rounds']} at the largest size, "
              f"{SMALL_SIZE_ROUNDS * result['rounds']} at the others)")
        print(bench.format_ratios(condition))
    if result.get("fresh_memory"):
        memory = result["fresh_memory"]
        print(f"\n{memory['bytes'] / 1e6:.0f} MB allocated and written: "
              f"{memory['warm']['min']:.0f} ms just freed, {memory['cold']['min']:.0f} ms "
              f"after {memory['pause_s']:.0f} s (fastest of each); reported meanwhile: "
              f"{memory['reported_mb']} MB")
    if result.get("split"):
        print("\nOne thread's loop (CPU time) and its parts")
        print(bench.format_split(result["split"]))
    for axis, series in result.get("scaling", {}).items():
        slope = series["slope"]
        print(f"LSTM time against {axis}: log-log slope {slope['reference']:.2f} (reference), "
              f"{slope['keras']:.2f} (Keras)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="the two smaller sizes, 3 rounds, no split or scaling")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--conditions", default="idle,loaded")
    parser.add_argument("--page-reporting", choices=("as-is", "off"), default="as-is",
                        help="off: turn the kernel's free page reporting off for the run "
                             "(needs root; set back after)")
    parser.add_argument("--out", default=str(ROOT / "data" / "benchmark.json"))
    args = parser.parse_args()
    # a stopped run exits through the context below, which sets the kernel's reporting back
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    with (bench.page_reporting_off() if args.page_reporting == "off"
          else contextlib.nullcontext()):
        run(args)


def run(args):
    rounds = args.rounds or (3 if args.quick else ROUNDS)
    sizes = bench.SIZES[:2] if args.quick else bench.SIZES
    started = time.time()
    recorded = environment(ROOT)
    result = {**{key: recorded[key] for key in ("command", "commit", "uncommitted_changes",
                                                "started")},
              "machine": bench.machine(), "page_reporting_turned_off": args.page_reporting == "off",
              "rounds": rounds,
              "small_size_rounds": SMALL_SIZE_ROUNDS * rounds, "sizes": [list(s) for s in sizes],
              "conditions": {}}
    for name in args.conditions.split(","):
        if name not in ("idle", "loaded"):
            sys.exit(f"unknown condition {name!r}: expected idle or loaded")
        if name == "loaded":
            with bench.busy_core():
                result["conditions"][name] = time_condition(name, sizes, rounds)
        else:
            result["conditions"][name] = time_condition(name, sizes, rounds)
    if not args.quick:
        late = time.time() - started > BUDGET_SECONDS / 2
        result["split_rounds"] = 3 if late else rounds
        result["scaling_rounds"] = 3 if late else max(3, rounds - 2)
        print(f"\nsplit ({result['split_rounds']} rounds) and scaling "
              f"({result['scaling_rounds']} rounds)", flush=True)
        result["fresh_memory"] = fresh_memory(sizes)
        result["split"] = splits(sizes, result["split_rounds"])
        result["scaling"] = scaling(result["scaling_rounds"])
    result["seconds"] = round(time.time() - started)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(rounded(result), indent=1) + "\n")
    print_tables(result)
    print(f"\nwrote {args.out} in {result['seconds']} s (load average {load()})")


if __name__ == "__main__":
    main()
