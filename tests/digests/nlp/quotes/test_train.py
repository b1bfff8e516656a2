"""The ranker's training: a conditional logit that learns an obvious feature, and the shipped model file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digests.nlp.quotes.model import MODEL_PATH, load_weights
from digests.nlp.quotes.train import accuracy, fit, same_speaker, train

TRAIN = Path(__file__).resolve().parents[4].parent / "shared" / "eval" / "quotes" / "polnear_train.jsonl"


def test_fit_learns_which_candidate_is_right() -> None:
    # In every group the candidate with "cue" is right; "near" is noise on both sides.
    groups = [([{"cue": 1.0, "near": float(i % 2)}, {"near": 1.0}, {"nobody": 1.0}], [1, 0, 0]) for i in range(40)]
    weights = fit(groups)
    assert weights["cue"] > 0
    assert accuracy(groups, weights) == 1.0
    assert fit(groups) == weights  # deterministic


def test_same_speaker_accepts_surname_and_title_but_not_given_name() -> None:
    assert same_speaker("Blinken", "Antony Blinken")
    assert same_speaker("Sen. Jo Roe", "Jo Roe")
    assert not same_speaker("Tony", "Tony Blinken")
    assert not same_speaker(None, "Jo Roe")


def test_shipped_model_loads() -> None:
    weights = load_weights()
    assert len(weights) > 50
    assert all(isinstance(v, float) for v in weights.values())


@pytest.mark.skipif(not TRAIN.exists(), reason="shared PolNeAR training set not present")
def test_committed_model_is_what_training_writes() -> None:
    fresh = json.loads(train(TRAIN))
    shipped = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert {k: v for k, v in fresh.items() if k != "weights"} == {k: v for k, v in shipped.items() if k != "weights"}
    # Same data, same seed, same code: equal up to the last rounded digit (BLAS may differ across machines;
    # a weight rounded to zero is left out of the file).
    keys = fresh["weights"].keys() | shipped["weights"].keys()
    assert all(abs(fresh["weights"].get(k, 0.0) - shipped["weights"].get(k, 0.0)) <= 2e-4 for k in keys)
