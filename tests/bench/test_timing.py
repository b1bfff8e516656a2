"""The machine calibration that scales CPU budgets measured on the reference machine."""

from __future__ import annotations

import pytest

import bench._timing as timing


def test_slowness_is_the_ratio_to_the_reference_and_never_below_one(monkeypatch: pytest.MonkeyPatch) -> None:
    measured = timing.machine_slowness(repeat=3)
    assert 1.0 <= measured < 100.0
    # A reference ten times smaller than this machine's time reads as a machine about ten times slower.
    monkeypatch.setattr(timing, "REFERENCE_CPU_S", timing.REFERENCE_CPU_S * measured / 10)
    assert 5.0 < timing.machine_slowness(repeat=3) < 20.0
    # A reference far slower than this machine clamps at 1.0: budgets never shrink below their stated value.
    monkeypatch.setattr(timing, "REFERENCE_CPU_S", 1000.0)
    assert timing.machine_slowness(repeat=1) == 1.0
