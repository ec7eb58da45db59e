"""Glue for the prose, and the results files the chapters read."""

import json

import numpy as np
import pytest

from rnnbook import pages, results


def test_glue_stores_a_string_where_myst_nb_reads_it(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display",
                        lambda data, raw, metadata: shown.append((data, metadata)))
    pages.glue("ratio", "2.40")
    pages.glue("count", np.int64(129))
    (data, metadata), (count, _) = shown
    assert data == {pages.GLUE_PREFIX + "text/plain": "'2.40'"}
    assert metadata["scrapbook"] == {"name": "ratio", "mime_prefix": pages.GLUE_PREFIX}
    assert count == {pages.GLUE_PREFIX + "text/plain": "129"}


@pytest.mark.parametrize("value", [2.4, np.float32(0.5), [1, 2], True])
def test_glue_refuses_what_would_store_rounding_noise(value):
    with pytest.raises(TypeError, match="expected a str or an int"):
        pages.glue("x", value)


def test_results_are_read_from_the_checkout():
    assert results.path("adding_problem") == results.CHECKOUT_DATA / "adding_problem.json"
    assert results.load("adding_problem") == json.loads(
        (results.CHECKOUT_DATA / "adding_problem.json").read_text())
    with pytest.raises(FileNotFoundError, match="no results file 'nope'"):
        results.path("nope")
