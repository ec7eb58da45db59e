"""The cell diagrams: every labelled block is a slice of the layer's weights, the slices
partition them, each feeds the gate the chapters' reference code says, the drawn wires
compute what Keras computes, and the SVG is accessible, readable and deterministic."""

import re
import xml.etree.ElementTree as ET

import keras
import numpy as np
import pytest
from conftest import ATOL, RTOL, make_layer

from rnnbook import claims, diagrams, lstm_variants, reference, unrolled
from rnnbook import gru_variants as gv
from rnnbook.backend import to_numpy

SVG = "{http://www.w3.org/2000/svg}"
UNITS, INPUT_DIM = 4, 3
#: The narrowest width a diagram is shown at on the website at a 390-px viewport: 326 px
#: measured in the dark theme (the figure's margins and an output's padding), less a margin.
PHONE_WIDTH = 320
#: Each diagram's drawing function and the layer it describes.
CASES = {
    "SimpleRNN": (diagrams.simple_rnn_svg, {}),
    "LSTM": (diagrams.lstm_svg, {}),
    "GRU": (diagrams.gru_svg, {"reset_after": True}),
}
#: The gate each block's subscript names, by the name the reference engine's trace uses.
TRACE_NAME = {"i": "i", "f": "f", "c": "candidate", "o": "o", "z": "z", "r": "r",
              "h": "candidate", "": "h"}
#: What else a gate changes within the same step: the GRU's candidate reads r_t.
READS_IT = {"r": {"candidate"}}


def layer_and_weights(kind, rng):
    layer = make_layer(kind, UNITS, INPUT_DIM, rng=rng, return_sequences=True, **CASES[kind][1])
    return layer, diagrams.weights_of(layer)


def gate_of(block):
    return block.symbol.partition("_")[2]


@pytest.mark.parametrize("kind", CASES)
def test_the_blocks_partition_the_layers_weights(kind, rng):
    """Every weight of the layer lies in exactly one labelled block."""
    _, weights = layer_and_weights(kind, rng)
    diagram = diagrams.DIAGRAMS[kind]()
    counts = {name: np.zeros(np.shape(array), dtype=int) for name, array in weights.items()}
    for block in diagram.blocks:
        counts[block.array][block.index(UNITS)] += 1
        assert block.take(weights).shape == {"kernel": (INPUT_DIM, UNITS),
                                             "recurrent_kernel": (UNITS, UNITS),
                                             "bias": (UNITS,)}[block.array]
    for name, count in counts.items():
        assert np.all(count == 1), f"{kind} {name}: weights in no block or in two"
    assert len({b.symbol for b in diagram.blocks}) == len(diagram.blocks)


def test_lstm_blocks_are_the_chapters_gate_split(rng):
    _, weights = layer_and_weights("LSTM", rng)
    for block in diagrams.lstm().blocks:
        split = lstm_variants.gate_blocks(weights[block.array])[gate_of(block)]
        on_the_page = np.split(weights[block.array], 4, axis=-1)["ifco".index(gate_of(block))]
        np.testing.assert_array_equal(block.take(weights), split)
        np.testing.assert_array_equal(block.take(weights), on_the_page)


def test_gru_blocks_are_the_chapters_named_slices(rng):
    _, weights = layer_and_weights("GRU", rng)
    named = gv.keras_blocks(weights["kernel"], weights["recurrent_kernel"], weights["bias"],
                            reset_after=True)
    for block in diagrams.gru().blocks:
        # the chapter writes b'_z for bias[1], gru_variants calls it rb_z
        name = block.symbol.replace("b'", "rb")
        np.testing.assert_array_equal(block.take(weights), named[name])


def test_simple_rnn_blocks_are_the_arrays_the_loop_multiplies(rng):
    layer, weights = layer_and_weights("SimpleRNN", rng)
    by_symbol = {b.symbol: b.take(weights) for b in diagrams.simple_rnn().blocks}
    x = rng.normal(size=(2, 5, INPUT_DIM)).astype("float32")
    run = unrolled.unroll(x, by_symbol["W"], by_symbol["U"], by_symbol["b"])
    np.testing.assert_allclose(run["h"], to_numpy(layer(x)), atol=ATOL, rtol=RTOL)


@pytest.mark.parametrize("kind", CASES)
def test_each_block_feeds_the_gate_it_is_drawn_under(kind, rng):
    """Change one block's weights and only its gate changes, and what reads that gate (the
    reference engine's trace at the first step, from a non-zero state so that the recurrent
    blocks count too)."""
    _, weights = layer_and_weights(kind, rng)
    x = rng.normal(size=(3, 1, INPUT_DIM)).astype("float64")
    state = [rng.normal(size=(3, UNITS))] * (2 if kind == "LSTM" else 1)
    traced = dict(kind=kind, inputs=x, initial_state=state, reset_after=True)
    base = reference.trace_weights(kernel=weights["kernel"],
                                   recurrent_kernel=weights["recurrent_kernel"],
                                   bias=weights["bias"], **traced)
    gates = {"SimpleRNN": ["h"], "LSTM": ["i", "f", "candidate", "o"],
             "GRU": ["z", "r", "candidate"]}[kind]
    for block in diagrams.DIAGRAMS[kind]().blocks:
        changed = {name: np.array(array, dtype="float64") for name, array in weights.items()}
        changed[block.array][block.index(UNITS)] += 0.5
        moved = reference.trace_weights(**changed, **traced)
        differs = {g for g in gates if not np.allclose(moved[g][:, 0], base[g][:, 0])}
        gate = TRACE_NAME[gate_of(block)]
        assert differs == {gate} | READS_IT.get(gate, set()), block.symbol


@pytest.mark.parametrize("kind", CASES)
def test_the_diagrams_wires_compute_what_keras_computes(kind, rng):
    layer, weights = layer_and_weights(kind, rng)
    x = rng.normal(size=(2, 6, INPUT_DIM)).astype("float32")
    ours = diagrams.unroll(diagrams.DIAGRAMS[kind](), weights, x)
    np.testing.assert_allclose(ours, to_numpy(layer(x)), atol=ATOL, rtol=RTOL)


def test_the_lstm_step_returns_both_states_as_keras_does(rng):
    layer = make_layer("LSTM", UNITS, INPUT_DIM, rng=rng, return_state=True)
    x = rng.normal(size=(2, 1, INPUT_DIM)).astype("float32")
    h0, c0 = (rng.normal(size=(2, UNITS)).astype("float32") for _ in range(2))
    _, h, c = (to_numpy(v) for v in layer(x, initial_state=[h0, c0]))
    values = diagrams.run(diagrams.lstm(), diagrams.weights_of(layer), x[:, 0], h0, c0)
    np.testing.assert_allclose(values["h"], h, atol=ATOL, rtol=RTOL)
    np.testing.assert_allclose(values["c"], c, atol=ATOL, rtol=RTOL)


def test_the_lstm_cell_state_line_carries_no_weights(rng):
    """Between c_{t-1} and c_t, only the forget gate's product and the written term, in a
    step that gives Keras' cell state: seed 003's "horizontal running through the cell"."""
    diagram = diagrams.lstm()
    path, name = [], "c"
    while name != "c_prev":
        node = diagram.node(name)
        path.append((node.name, node.op, node.blocks))
        name = next(i for i in node.inputs if i in {"c_prev", "keep"})
    beside = {n for node in diagram.nodes for n in node.inputs if node.name in {"c", "keep"}}
    layer = make_layer("LSTM", UNITS, INPUT_DIM, rng=rng, return_state=True)
    x = rng.normal(size=(2, 1, INPUT_DIM)).astype("float32")
    h0, c0 = (rng.normal(size=(2, UNITS)).astype("float32") for _ in range(2))
    keras_c = to_numpy(layer(x, initial_state=[h0, c0])[2])
    ours = diagrams.run(diagram, diagrams.weights_of(layer), x[:, 0], h0, c0)["c"]
    line = path == [("c", "add", ()), ("keep", "mul", ())] and beside == {
        "keep", "write", "f", "c_prev"}
    claims.demonstrate("seed003-cell-state-line", claims.holds_if(
        line and np.allclose(ours, keras_c, atol=ATOL, rtol=RTOL)))


def test_a_missing_array_and_a_missing_cell_state_are_named():
    block = diagrams.lstm().blocks[0]
    with pytest.raises(ValueError, match="slice of 'recurrent_kernel'; the weights given hold"
                                         r" \['kernel'\]"):
        block.take({"kernel": np.zeros((3, 16))})
    with pytest.raises(ValueError, match=r"needs c_prev \(samples, units\)"):
        diagrams.run(diagrams.lstm(), {}, np.zeros((1, 3)), np.zeros((1, 4)))
    with pytest.raises(ValueError, match=r"x must be \(samples, timesteps, input_dim\); got "
                                         r"shape \(2, 3\)"):
        diagrams.unroll(diagrams.gru(), {"recurrent_kernel": np.zeros((4, 12))},
                        np.zeros((2, 3)))


@pytest.mark.parametrize("block, text", [
    (diagrams.Block("W_i", "kernel", 0, 4), "kernel[:, 0:n]"),
    (diagrams.Block("U_f", "recurrent_kernel", 1, 4), "recurrent_kernel[:, n:2n]"),
    (diagrams.Block("b_o", "bias", 3, 4), "bias[3n:4n]"),
    (diagrams.Block("b'_h", "bias", 2, 3, row=1), "bias[1, 2n:3n]"),
    (diagrams.Block("W", "kernel"), "kernel"),
])
def test_block_slices_are_written_in_keras_names(block, text):
    assert block.keras == text


# ---- the drawing -------------------------------------------------------------------------

def parse(svg):
    return ET.fromstring(svg)


def drawn_blocks(root):
    return [g for g in root.iter(f"{SVG}g") if "data-block" in g.attrib]


@pytest.mark.parametrize("kind", CASES)
def test_every_drawn_block_is_a_described_block_in_its_gates_column(kind):
    diagram = diagrams.DIAGRAMS[kind]()
    root = parse(CASES[kind][0]())
    drawn = {g.get("data-block"): g for g in drawn_blocks(root)}
    assert len(drawn) == len(drawn_blocks(root)) == len(diagram.blocks)
    column_x = {}
    for block in diagram.blocks:
        group = drawn[block.symbol]
        assert group.get("data-keras") == block.keras
        assert group.find(f"{SVG}title").text.endswith(f" = {block.keras}, {block.shape}")
        rect = group.find(f"{SVG}rect")
        column_x.setdefault(block.column, set()).add(
            float(rect.get("x")) + float(rect.get("width")) / 2)
    assert all(len(xs) == 1 for xs in column_x.values()), "a column's blocks are not aligned"
    centres = [column_x[k].pop() for k in sorted(column_x)]
    assert centres == sorted(centres), "the columns are not in Keras' gate order"


@pytest.mark.parametrize("kind", CASES)
def test_the_svg_is_accessible_and_names_every_slice(kind):
    svg = CASES[kind][0]()
    root = parse(svg)
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text and len(desc.text) > 300
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    for block in diagrams.DIAGRAMS[kind]().blocks:
        assert f"{diagrams._plain(block.symbol)} = {block.keras}" in desc.text or kind == \
            "SimpleRNN" and f"{block.symbol} = {block.array}" in desc.text


@pytest.mark.parametrize("kind", CASES)
def test_the_text_stays_readable_on_a_phone(kind):
    root = parse(CASES[kind][0]())
    width = float(root.get("viewBox").split()[2])
    sizes = [float(e.get("font-size")) for e in root.iter() if e.get("font-size")]
    assert min(sizes) >= diagrams.MIN_FONT
    assert diagrams.MIN_FONT * PHONE_WIDTH / width >= 12
    style = dict(part.split(":") for part in root.get("style").split(";"))
    assert style["width"] == "100%" and style["max-width"] == f"{round(width * 1.2)}px"


@pytest.mark.parametrize("kind", CASES)
def test_the_svg_follows_the_theme_and_is_deterministic(kind):
    svg = CASES[kind][0]()
    assert svg == CASES[kind][0]()
    strokes = set(re.findall(r'stroke="([^"]+)"', svg))
    assert strokes == {"currentColor"}, "lines in a fixed colour would not follow the theme"
    fills = re.findall(r'fill="([^"]+)"( fill-opacity="([^"]+)")?', svg)
    assert {f for f, _, opacity in fills if not opacity} <= {"currentColor", "none"}
    assert all(float(opacity) <= 0.2 for _, _, opacity in fills if opacity)  # faint only
    numbers = re.findall(r' (?:x|y|d|cx|cy|width|height)="([^"]+)"', svg)
    assert not [n for n in numbers if re.search(r"\d\.\d\d", n)], "computed floats in the SVG"
    assert "<style" not in svg and "<script" not in svg and 'id="' in svg
    assert len(svg) < 20_000


@pytest.mark.parametrize("timesteps", [1, 3, 4])
def test_the_unrolled_chain_draws_the_same_cell_at_every_step(timesteps):
    root = parse(diagrams.rolled_and_unrolled_svg(timesteps))
    symbols = [g.get("data-block") for g in drawn_blocks(root)]
    assert symbols == ["U", "b", "W"] * (timesteps + 1)   # the rolled cell, then every step
    keras_names = {g.get("data-block"): g.get("data-keras") for g in drawn_blocks(root)}
    assert keras_names == {"U": "recurrent_kernel", "b": "bias", "W": "kernel"}
    text = "".join(root.itertext())
    for t in range(timesteps):
        assert f"x{t}" in text and f"h{t}" in text
    assert "h\u22121" in text and f"unrolled over {timesteps} time step" in text
    assert root.find(f"{SVG}title").text.endswith(f"{timesteps} time steps")


@pytest.mark.parametrize("timesteps, error", [(0, ValueError), (5, ValueError),
                                              (2.5, TypeError)])
def test_the_unrolled_chain_rejects_bad_timesteps(timesteps, error):
    with pytest.raises(error, match="timesteps must be"):
        diagrams.rolled_and_unrolled_svg(timesteps)


def test_a_layout_must_draw_exactly_the_diagrams_inputs():
    diagram = diagrams.simple_rnn()
    extra = {("x", "h"): [(0, 0), (0, 10)]}
    with pytest.raises(ValueError, match=r"wires \[\('x', 'h'\)\] do not match the SimpleRNN"):
        diagrams._draw_wires(diagrams._Canvas(), diagram, extra)


def test_a_hop_jumps_the_wire_it_crosses():
    canvas = diagrams._Canvas()
    canvas.wire([(0, 10), (100, 10)], hops=[50, 200])
    path = canvas.parts[0]
    assert "H44 a6,6 0 0 1 12,0" in path and path.count(" a6,6") == 1


def test_weights_of_names_keras_arrays():
    layer = keras.layers.GRU(2)
    layer.build((None, None, 3))
    shapes = {name: array.shape for name, array in diagrams.weights_of(layer).items()}
    assert shapes == {"kernel": (3, 6), "recurrent_kernel": (2, 6), "bias": (2, 6)}
