"""MinHash bands: a signature at least as alike as the near-duplicate threshold always shares enough bands."""

from __future__ import annotations

import numpy as np

from digests.store._batch import NEAR_BANDS, NEAR_DUPLICATE
from digests.store._text import band_keys, min_shared_bands, minhash, similarity


def test_every_signature_alike_enough_shares_the_minimum_of_bands() -> None:
    sig = minhash("The tide tables for the estuary were reprinted after a misprint in the spring edition.")
    rng = np.random.default_rng(7)
    for unequal in range(len(sig) + 1):
        for _ in range(20):
            other = sig.copy()
            at = rng.choice(len(sig), size=unequal, replace=False)
            other[at] ^= np.uint64(1)  # a different value at each chosen position
            shared = len(set(band_keys(sig)) & set(band_keys(other)))
            alike = similarity(sig.tobytes(), other.tobytes())
            if alike >= NEAR_DUPLICATE:
                assert shared >= NEAR_BANDS
            assert shared >= min_shared_bands(alike)


def test_the_threshold_decides_the_minimum() -> None:
    assert min_shared_bands(1.0) == 16
    assert min_shared_bands(NEAR_DUPLICATE) == 10
    assert min_shared_bands(0.0) == 0
