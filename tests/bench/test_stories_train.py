"""The story model's training script on invented events: pairs, fit, evaluation, and the model file it writes."""

from __future__ import annotations

import json
from pathlib import Path

from bench.stories_train import bcubed, fit, load, pairs, run
from digests.stories._assign import FEATURES, MODEL_PATH, Params, load_model
from tests.helpers.stories import FIRE_A, FIRE_B, FLOOD, STRIKE, event_articles


def _gold_file(tmp_path: Path) -> Path:
    """Write a gold story file of invented events: fires A and B share topic 1, flood and strike topic 3."""
    lines = []
    for topic, event in ((1, FIRE_A), (1, FIRE_B), (3, FLOOD), (3, STRIKE)):
        for i, art in enumerate(event_articles(event, 4 if event.kind == "fire" else 3)):
            lines.append({"id": f"{event.key}-{i}", "title": art.title, "text": art.text, "topic": topic,
                          "story": event.key})
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return path


def test_a_model_trained_on_one_topic_groups_the_other(tmp_path: Path) -> None:
    docs = load(_gold_file(tmp_path))
    x, y = pairs([d for d in docs if d[2] == 1], seeds=(1, 2))
    assert x.shape[1] == len(FEATURES) and 0 < y.sum() < len(y)
    w = fit(x, y)
    assert w["names"] > 0 and w["terms"] > 0
    params = Params(model=tuple(w[n] for n in FEATURES))
    assert run([d for d in docs if d[2] == 3], params, seed=1) == 1.0


def test_a_dropped_feature_gets_no_weight(tmp_path: Path) -> None:
    docs = load(_gold_file(tmp_path))
    w = fit(*pairs(docs, seeds=(1,)), drop=("names", "year_apart"))
    assert w["names"] == 0.0 and w["year_apart"] == 0.0 and w["terms"] != 0.0


def test_bcubed_scores_a_split_and_a_merge() -> None:
    gold = {"a": "x", "b": "x", "c": "y"}
    assert bcubed(gold, {"a": 1, "b": 1, "c": 2}) == 1.0
    split = bcubed(gold, {"a": 1, "b": 2, "c": 3})  # precision 1, recall 2/3
    assert abs(split - 0.8) < 1e-9


def test_the_shipped_model_names_every_feature_with_the_expected_signs() -> None:
    model = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert set(model["weights"]) == set(FEATURES)
    w = dict(zip(FEATURES, load_model(), strict=True))
    # Shared words and names are evidence for one story; a year apart, or nothing named in common, against it.
    assert all(w[k] > 0 for k in ("terms", "names", "nums", "keys"))
    assert all(w[k] < 0 for k in ("bias", "year_apart", "keys_apart", "names_apart"))
