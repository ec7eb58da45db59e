"""The benchmark's parts (rnnbook.benchmark), and a guard on the engine's speed beside Keras.

The guard (`test_reference_beside_keras_at_the_middle_size`) times, so it runs only when the
machine is idle enough for a timing to mean something, and it checks a ratio with room to
spare, not a time. The other tests check what the parts compute; none depends on the load.
"""

import os
import time
from collections import Counter

import numpy as np
import pytest

from rnnbook import benchmark as bench
from rnnbook import loops, reference

SMALL = (3, 4, 2, 5)      # samples, timesteps, input_dim, units


def test_interleaved_runs_each_contestant_once_a_round_in_rotating_order():
    calls = []
    contestants = {name: (lambda name=name: calls.append(name)) for name in "abc"}
    times = bench.interleaved(contestants, rounds=4)
    assert calls == list("abc" "bca" "cab" "abc")
    assert {name: len(values) for name, values in times.items()} == {"a": 4, "b": 4, "c": 4}
    assert all(t >= 0 for values in times.values() for t in values)


def test_interleaved_runs_a_setup_untimed_right_before_its_contestant():
    calls = []
    contestants = {"a": lambda: calls.append("a"),
                   "b": (lambda: (calls.append("setup"), time.sleep(0.05)),
                         lambda: calls.append("b"))}
    times = bench.interleaved(contestants, rounds=2)
    assert calls == ["a", "setup", "b", "setup", "b", "a"]
    assert max(times["b"]) < 0.025          # the setup's sleep is not in b's time


def test_interleaved_can_count_thread_time():
    # a sleep takes wall time but almost no CPU time
    times = bench.interleaved({"sleep": lambda: time.sleep(0.05)}, rounds=1,
                              clock=time.thread_time)
    assert times["sleep"][0] < 0.025


def test_summary_is_in_milliseconds():
    assert bench.summary([0.003, 0.001, 0.002]) == {"min": 1.0, "median": 2.0}


def test_forced_threads_overrides_the_policy_then_restores_it():
    chosen = loops.threads_for("LSTM", 256, 256)
    with bench.forced_threads(7):
        assert loops.threads_for("LSTM", 256, 256) == 7
    assert loops.threads_for("LSTM", 256, 256) == chosen


class _Recorder:
    """numpy, with every matmul and tanh call recorded as (name, shapes of its arrays)."""

    def __init__(self):
        self.calls = Counter()

    def __getattr__(self, name):
        function = getattr(np, name)
        if name not in ("matmul", "tanh"):
            return function

        def recorded(*arrays, out=None):
            shapes = tuple(np.shape(a) for a in arrays) + (np.shape(out),)
            self.calls[(name, shapes)] += 1
            return function(*arrays, out=out)
        return recorded


@pytest.mark.parametrize("kind,options", [("SimpleRNN", {}), ("LSTM", {}), ("GRU", {}),
                                          ("GRU", {"reset_after": False})])
def test_products_and_activations_replay_the_loops_calls(kind, options, monkeypatch):
    # the floor and the split replay the loop's matrix products and tanh calls: the same
    # calls, on arrays of the same shapes, as many times
    import keras

    samples, timesteps, input_dim, units = SMALL
    layer = getattr(keras.layers, kind)(units, **options)
    layer.build((None, timesteps, input_dim))
    spec = reference.describe(layer)
    x = np.random.default_rng(0).standard_normal((samples, timesteps, input_dim), np.float32)
    (part,) = bench._parts(spec, x, 1)
    in_loop, replayed = _Recorder(), _Recorder()
    monkeypatch.setattr(loops, "np", in_loop)
    part.loop()
    monkeypatch.setattr(loops, "np", np)
    monkeypatch.setattr(bench, "np", replayed)
    bench._part_products(part)
    bench._activations(part)
    assert replayed.calls == in_loop.calls
    assert sum(count for (name, _), count in in_loop.calls.items() if name == "matmul") >= (
        timesteps)


def test_products_threads_compute_the_same_products():
    import keras

    layer = keras.layers.LSTM(5)
    layer.build((None, 4, 2))
    x = np.random.default_rng(0).standard_normal((6, 4, 2), np.float32)
    spec = reference.describe(layer)
    for threads in (1, 2, None):
        bench.products(spec, x, threads)()   # runs, on its own buffers, in each way


def test_split_is_mostly_products_when_large_and_overhead_when_small():
    shares = {}
    for size in ((1, 30, 4, 8), (128, 20, 32, 256)):
        layer, x, _ = bench.build("LSTM", size)
        parts = bench.split(layer, x, rounds=3)
        assert all(value >= 0 for value in parts.values())
        assert parts["loop"] == pytest.approx(
            parts["overhead"] + parts["products"] + parts["activations"]
            + parts["elementwise"], rel=1e-9)
        shares[size[0]] = {name: value / parts["loop"] for name, value in parts.items()}
    assert shares[1]["overhead"] > 0.5
    assert shares[128]["products"] > 0.5


def test_split_measures_the_default_activations_only():
    import keras

    layer = keras.layers.LSTM(4, activation="relu")
    layer.build((None, 3, 2))
    with pytest.raises(ValueError, match="default activations"):
        bench.split(layer, np.zeros((1, 3, 2), np.float32), rounds=1)


def test_busy_core_spins_on_one_core_and_stops():
    core = max(os.sched_getaffinity(0))
    with bench.busy_core() as pid:
        time.sleep(0.5)
        assert os.sched_getaffinity(pid) == {core}
        with open(f"/proc/{pid}/stat") as stat:
            user_ticks = int(stat.read().split()[13])
        assert user_ticks > 0          # it is running, not sleeping
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_busy_core_stops_when_the_benchmark_is_killed(tmp_path):
    # a benchmark killed mid-way (SIGKILL: no cleanup runs) must not leave its spinner behind
    import signal
    import subprocess
    import sys

    script = ("import time\nfrom rnnbook import benchmark as bench\n"
              "with bench.busy_core() as pid:\n    print(pid, flush=True)\n    time.sleep(60)\n")
    runner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    spinner = int(runner.stdout.readline())
    os.kill(runner.pid, signal.SIGKILL)
    runner.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(spinner, 0)
        except ProcessLookupError:
            return
        with open(f"/proc/{spinner}/stat") as stat:
            if stat.read().split()[2] == "Z":       # exited, not yet reaped
                return
        time.sleep(0.05)
    os.kill(spinner, signal.SIGKILL)
    pytest.fail("the spinning process outlived the benchmark that started it")


def test_machine_names_cpu_blas_and_versions():
    machine = bench.machine()
    assert set(machine["simd"]) <= set(bench.SIMD_FLAGS)
    assert machine["cores"] == loops.cores()
    assert machine["blas"] and all(pool["architecture"] for pool in machine["blas"])
    assert machine["numpy"] == np.__version__


def test_idle_enough_needs_a_whole_core_and_a_low_load(monkeypatch):
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert bench.idle_enough(threshold=0.0)
    assert not bench.idle_enough(threshold=2.0)     # no process gets two seconds a second
    monkeypatch.setattr(os, "getloadavg", lambda: (float(loops.cores()), 0.0, 0.0))
    assert not bench.idle_enough(threshold=0.0)


def test_loglog_slope_is_the_power():
    xs = np.array([10.0, 20.0, 40.0, 80.0])
    assert bench.loglog_slope(xs, 3 * xs ** 2) == pytest.approx(2.0)
    assert bench.loglog_slope(xs, 5 + 0 * xs) == pytest.approx(0.0, abs=1e-12)


def test_beside_keras_times_both_calls():
    layer, x, compiled = bench.build("SimpleRNN", SMALL)
    times = bench.beside_keras(layer, x, compiled, rounds=2)
    assert {name: len(values) for name, values in times.items()} == {"reference": 2, "keras": 2}


def test_contestants_at_the_smallest_size():
    timed, agrees, threads = bench.contestants("GRU", bench.SIZES[0])
    assert agrees and threads == 1
    assert set(timed) == {"reference_1", "trace", "trace_memory", "trace_warm", "keras",
                          "keras_eager", "products_1", "products_blas"}
    assert timed["trace_warm"] == (timed["trace_memory"], timed["trace"])
    for function in timed.values():
        if not isinstance(function, tuple):
            function()


def test_fresh_memory_times_each_way_as_often_as_asked():
    times = bench.fresh_memory(1 << 20, pause=0.01, repeats=2)
    assert {name: len(values) for name, values in times.items()} == {"warm": 2, "cold": 2}
    assert all(0 < t < 1 for values in times.values() for t in values)


def _virtio(root, name, device, features):
    (root / name).mkdir()
    (root / name / "device").write_text(f"0x{device:04x}\n")
    (root / name / "features").write_text(features + "\n")


def test_free_page_reporting_reads_the_balloons_feature_bit_5(tmp_path):
    assert bench.free_page_reporting(tmp_path) is None          # no virtio devices
    _virtio(tmp_path, "virtio0", 2, "0" * 5 + "1" + "0" * 58)    # a disk: bit 5 is not this
    assert bench.free_page_reporting(tmp_path) is None
    _virtio(tmp_path, "virtio1", 5, "01100001" + "0" * 56)       # a balloon without it
    assert bench.free_page_reporting(tmp_path) is False
    _virtio(tmp_path, "virtio2", 5, "01100101" + "0" * 56)       # one with it
    assert bench.free_page_reporting(tmp_path) is True


BUDDYINFO = ("Node 0, zone      DMA      0      0      0      0      0      0      0      0"
             "      1      1      3\nNode 0, zone   Normal   4229   4427   2550   2044   1164"
             "    550    263    160    233    108    292\n")


def _reporting(root, order, reported_kib=None):
    parameters = root / "parameters"
    parameters.mkdir(exist_ok=True)
    (parameters / "page_reporting_order").write_text(f"{order}\n")
    if reported_kib is not None:
        (parameters / "reported_kib").write_text(f"{reported_kib}\n")
    (root / "buddyinfo").write_text(BUDDYINFO)
    devices = root / "devices"
    devices.mkdir(exist_ok=True)
    if not (devices / "virtio0").exists():
        _virtio(devices, "virtio0", 5, "01100101" + "0" * 56)
    return {"devices": devices, "parameters": parameters, "buddyinfo": root / "buddyinfo"}


def test_highest_order_counts_buddyinfos_columns(tmp_path):
    (tmp_path / "buddyinfo").write_text(BUDDYINFO)      # orders 0 to 10
    assert bench.highest_order(tmp_path / "buddyinfo") == 10
    assert bench.highest_order(tmp_path / "absent") is None


def test_page_reporting_is_active_only_at_an_order_a_free_block_can_have(tmp_path):
    paths = _reporting(tmp_path, 9, reported_kib=2048)
    assert bench.page_reporting(**paths) == {"device": True, "order": 9, "highest_order": 10,
                                             "reported_kib": 2048, "active": True}
    _reporting(tmp_path, 11)
    assert bench.page_reporting(**paths)["active"] is False
    _reporting(tmp_path, -1)                             # unset: the kernel's default order
    assert bench.page_reporting(**paths)["active"] is True
    (paths["parameters"] / "reported_kib").unlink()
    assert bench.page_reporting(**paths)["reported_kib"] is None
    _virtio(paths["devices"], "virtio1", 5, "01100001" + "0" * 56)
    (paths["devices"] / "virtio0" / "device").write_text("0x0002\n")   # no reporting balloon
    assert bench.page_reporting(**paths)["active"] is False


def test_reporting_label_says_whether_and_why(tmp_path):
    paths = _reporting(tmp_path, 9)
    assert bench.reporting_label(bench.page_reporting(**paths)) == "yes (page_reporting_order 9)"
    _reporting(tmp_path, 11)
    assert bench.reporting_label(bench.page_reporting(**paths)) == (
        "no: turned off (page_reporting_order 11, above the highest order, 10)")
    assert bench.reporting_label({"device": True, "order": None, "active": True}) == "yes"
    assert bench.reporting_label({"device": None}) == "no (no virtio balloon)"
    assert bench.reporting_label({"device": False}) == "no (the balloon does not offer it)"


def test_page_reporting_off_sets_the_order_above_the_highest_and_back(tmp_path):
    paths = _reporting(tmp_path, 9)
    off = {key: paths[key] for key in ("parameters", "buddyinfo")}
    with bench.page_reporting_off(**off):
        assert bench.page_reporting(**paths)["order"] == 11
        assert bench.page_reporting(**paths)["active"] is False
    assert bench.page_reporting(**paths)["order"] == 9
    with pytest.raises(ValueError), bench.page_reporting_off(**off):
        raise ValueError("the run failed")
    assert bench.page_reporting(**paths)["order"] == 9     # set back whatever happened


def test_page_reporting_off_says_why_it_cannot(tmp_path, monkeypatch):
    with pytest.raises(RuntimeError, match="page_reporting_order and /proc/buddyinfo"), \
            bench.page_reporting_off(tmp_path / "none", tmp_path / "none"):
        pass
    paths = _reporting(tmp_path, 9)
    off = {key: paths[key] for key in ("parameters", "buddyinfo")}
    real_write = type(paths["parameters"]).write_text

    def refuse(error):
        def write_text(self, *args, **kwargs):
            if self.name == "page_reporting_order":
                raise error
            return real_write(self, *args, **kwargs)
        return write_text

    monkeypatch.setattr(type(paths["parameters"]), "write_text",
                        refuse(PermissionError("denied")))
    with pytest.raises(RuntimeError, match="needs root"), bench.page_reporting_off(**off):
        pass
    monkeypatch.setattr(type(paths["parameters"]), "write_text",
                        refuse(OSError(22, "Invalid argument")))   # Linux's own bound
    with pytest.raises(RuntimeError, match="does not accept page_reporting_order 11"), \
            bench.page_reporting_off(**off):
        pass
    monkeypatch.undo()
    assert bench.page_reporting(**paths)["order"] == 9


@pytest.mark.parametrize("kind", bench.KINDS)
def test_trace_extra_bytes_are_what_the_trace_keeps_and_forward_does_not(kind):
    import keras

    size = (3, 5, 2, 4)
    layer = getattr(keras.layers, kind)(size[3])      # not bench.build: any backend
    layer.build((None, size[1], size[2]))
    x = np.random.default_rng(0).standard_normal(size[:3], np.float32)
    traced = reference.trace(layer, x)
    # every array of the trace: forward, for a layer returning its last step, keeps two
    # steps' outputs, not every step's h
    assert bench.trace_extra_bytes(kind, size) == sum(values.nbytes for values in traced.values())
    assert traced["h"].shape == (size[0], size[1], size[3])


@pytest.mark.benchmark
@pytest.mark.parametrize("kind", bench.KINDS)
def test_reference_beside_keras_at_the_middle_size(kind):
    # The engine's goal is at most Keras' compiled time; the bound leaves half as much again
    # for a machine that is idle enough to time on, but not perfectly quiet.
    if not bench.idle_enough():
        pytest.skip(f"machine too busy to time (load average {os.getloadavg()[0]:.1f} on "
                    f"{loops.cores()} cores)")
    layer, x, compiled = bench.build(kind, bench.SIZES[1])
    times = bench.beside_keras(layer, x, compiled, rounds=7)
    ratio = min(times["reference"]) / min(times["keras"])
    assert ratio <= 1.5, f"reference / Keras = {ratio:.2f} at {bench.SIZES[1]}"


# ---- reading a results file ----------------------------------------------------------------

def _case(kind, size, forward, trace, warm, floor, threads=1, fastest=True, timed=(1,)):
    def both(value):
        return {"min": value, "median": value + 0.1}
    return {"kind": kind, "size": list(size), "threads": threads, "threads_fastest": fastest,
            "ms": {f"reference_{t}": both(1.0) for t in timed},
            "reference_over_keras": both(forward), "trace_over_keras": both(trace),
            "trace_warm_over_keras": both(warm), "reference_over_floor": both(floor)}


CONDITION = {"load_before": [0.4, 0.3, 0.2], "cases": [
    _case("LSTM", (1, 5, 2, 3), 0.5, 0.6, 0.6, 40.0),
    _case("LSTM", (8, 5, 2, 3), 0.9, 1.2, 0.95, 3.0, threads=2, fastest=False, timed=(1, 2)),
    _case("GRU", (8, 5, 2, 3), 0.8, 0.7, 1.1, 1.4, threads=2, timed=(1, 2)),
]}


def test_format_ratios_shows_each_case_min_then_median():
    lines = bench.format_ratios(CONDITION).splitlines()
    assert len(lines) == 1 + len(CONDITION["cases"])
    assert lines[2].split() == ["LSTM", "8x5x2->3", "2", "0.900", "(1.00)", "1.20", "(1.30)",
                                "0.950", "(1.05)", "3.00", "(3.10)"]


@pytest.mark.parametrize("value,text", [(4631.745, "4630"), (0.70494, "0.705"), (12.0, "12.0"),
                                        (9.996, "10.0"), (0.0, "0.00"), (123.4, "123"),
                                        (0.01234, "0.0123"), (-2.5, "-2.50")])
def test_significant_rounds_to_three_digits_without_an_exponent(value, text):
    assert bench.significant(value) == text


def test_targets_count_the_cases_that_meet_each_goal():
    result = bench.targets(CONDITION)
    assert (result["cases"], result["largest"]) == (3, 2)
    assert result["min"] == {"forward": 3, "trace": 2, "trace_warm": 2, "floor": 1,
                             "worst_forward": 0.9, "worst_trace": 1.2, "worst_trace_warm": 1.1,
                             "worst_floor": 3.0}
    assert result["median"]["forward"] == 3       # 1.0 by the medians is not above 1.0
    assert result["median"]["forward"] == sum(
        case["reference_over_keras"]["median"] <= 1.0 for case in CONDITION["cases"])


def test_policy_record_counts_cases_timed_with_several_thread_counts():
    assert bench.policy_record(CONDITION) == (1, 2)


def test_quiet_compares_the_load_with_the_cores():
    assert bench.quiet(CONDITION, cores=2)
    assert not bench.quiet(CONDITION, cores=0.5)


def test_split_shares_and_table():
    row = {"kind": "GRU", "size": [2, 3, 4, 5],
           "ms": {"loop": 8.0, "products": 4.0, "activations": 2.0, "elementwise": 1.0,
                  "overhead": 1.0}}
    assert bench.shares(row) == {"products": 0.5, "activations": 0.25, "elementwise": 0.125,
                                 "overhead": 0.125}
    assert bench.format_split([row]).splitlines()[1].split() == [
        "GRU", "2x3x4->5", "8.00", "50%", "25%", "12%", "12%"]


def test_plot_scaling_draws_each_series_in_two_styles():
    import matplotlib.pyplot as plt

    def point(axis, value):
        return {axis: value, "reference": {"min": value / 10}, "keras": {"min": value / 5}}
    scaling = {axis: {"points": [point(axis, v) for v in (16, 32, 64)]}
               for axis in ("timesteps", "samples", "units")}
    fig = bench.plot_scaling(scaling)
    assert len(fig.axes) == 3
    for ax in fig.axes:
        reference_line, keras_line = ax.get_lines()
        assert reference_line.get_linestyle() != keras_line.get_linestyle()
        assert reference_line.get_marker() != keras_line.get_marker()
        assert list(reference_line.get_ydata()) == [1.6, 3.2, 6.4]
    plt.close(fig)


def test_the_tool_writes_what_the_appendix_reads(monkeypatch, tmp_path):
    # tools/benchmark.py's parts at toy sizes: its record goes through the readers the
    # performance appendix uses (a renamed key would fail here, not on the page)
    import importlib.util
    import json
    from pathlib import Path

    import matplotlib.pyplot as plt

    path = Path(__file__).resolve().parent.parent / "tools" / "benchmark.py"
    spec = importlib.util.spec_from_file_location("benchmark_tool", path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    monkeypatch.setattr(bench, "KINDS", ("GRU",))
    monkeypatch.setattr(tool, "FRESH_MEMORY_PAUSE", 0.01)
    monkeypatch.setattr(tool, "SCALING_BASE", (2, 3, 2, 4))
    monkeypatch.setattr(tool, "SCALING", {"timesteps": (2, 4), "samples": (1, 2),
                                          "units": (2, 4)})
    sizes = ((1, 3, 2, 4), (32, 3, 2, 4))
    result = {"machine": bench.machine(), "rounds": 2, "sizes": [list(s) for s in sizes],
              "conditions": {"idle": tool.time_condition("idle", sizes, 2)},
              "fresh_memory": tool.fresh_memory(sizes),
              "split": tool.splits(sizes, 2), "scaling": tool.scaling(2)}
    out = tmp_path / "benchmark.json"
    out.write_text(json.dumps(tool.rounded(result)))
    run = json.loads(out.read_text())
    condition = run["conditions"]["idle"]
    assert all(case["agrees_with_keras"] for case in condition["cases"])
    assert len(bench.format_ratios(condition).splitlines()) == 1 + len(sizes)
    standing = bench.targets(condition)
    assert (standing["cases"], standing["largest"]) == (2, 1)
    assert bench.policy_record(condition)[1] == 1      # two thread counts at 32 samples
    assert len(bench.format_split(run["split"]).splitlines()) == 1 + len(sizes)
    assert set(bench.shares(run["split"][0])) == {"products", "activations", "elementwise",
                                                  "overhead"}
    memory = run["fresh_memory"]
    assert memory["bytes"] == bench.trace_extra_bytes("LSTM", max(sizes))
    assert memory["repeats"] >= 1 and memory["warm"]["min"] > 0 and memory["cold"]["min"] > 0
    assert memory["reported_mb"] is None or memory["reported_mb"] >= 0
    assert run["machine"]["free_page_reporting"] in (True, False, None)
    assert run["machine"]["page_reporting"]["active"] in (True, False, None)
    plt.close(bench.plot_scaling(run["scaling"]))
