"""Text keys used for de-duplication: canonical URLs, content hashes and simhash fingerprints."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np

_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref|ref_src|cmpid|ocid|smid|share)$", re.I)
_WORD = re.compile(r"\w+", re.UNICODE)
_MASK64 = (1 << 64) - 1


def canonical_url(url: str) -> str:
    """Return a canonical form of ``url``: lower-case host, no fragment, no tracking parameters."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not _TRACKING.match(k)))
    # http and https variants of one page are the same story.
    return urlunsplit(("https" if scheme in ("http", "https") else scheme, host, path, query, ""))


def normalize_text(text: str) -> str:
    """Return ``text`` folded for hashing: NFKC, lower case, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def content_hash(title: str, text: str) -> str:
    """Return the hex SHA-256 of the normalized body (titles are often edited; bodies rarely)."""
    return hashlib.sha256(normalize_text(text or title).encode("utf-8")).hexdigest()


_N_HASHES = 32
_ROWS = 2
_rng = np.random.default_rng(20261126)
# Odd multipliers make each (a*x + b) mod 2**64 a permutation of the 64-bit shingle hashes.
_A = _rng.integers(1, 2**63 - 1, size=_N_HASHES, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_B = _rng.integers(0, 2**63 - 1, size=_N_HASHES, dtype=np.uint64)


def minhash(text: str) -> np.ndarray:
    """Return the 32-value MinHash signature of the word 3-shingles of ``text``."""
    words = _WORD.findall(normalize_text(text))
    shingles = {" ".join(words[i:i + 3]) for i in range(max(1, len(words) - 2))}
    digests = b"".join(hashlib.blake2b(s.encode(), digest_size=8).digest() for s in shingles)
    h = np.frombuffer(digests, dtype=np.uint64)
    with np.errstate(over="ignore"):
        permuted = h[:, None] * _A[None, :] + _B[None, :]
    return permuted.min(axis=0)


def band_keys(sig: np.ndarray) -> list[int]:
    """Return one signed 64-bit key per band of ``_ROWS`` signature values (LSH buckets)."""
    keys = []
    for band in range(_N_HASHES // _ROWS):
        chunk = sig[band * _ROWS:(band + 1) * _ROWS].tobytes()
        k = int.from_bytes(hashlib.blake2b(bytes([band]) + chunk, digest_size=8).digest(), "big", signed=True)
        keys.append(k)
    return keys


def min_shared_bands(threshold: float) -> int:
    """Return how many LSH bands two signatures at least ``threshold`` alike always share."""
    # At most ``unequal`` of the values differ, and each differing value breaks at most one band.
    unequal = next(m for m in range(_N_HASHES, -1, -1) if (_N_HASHES - m) / _N_HASHES >= threshold)
    return max(0, _N_HASHES // _ROWS - unequal)


def similarity(a: bytes, b: bytes) -> float:
    """Estimate the Jaccard similarity of two stored MinHash signatures."""
    va = np.frombuffer(a, dtype=np.uint64)
    vb = np.frombuffer(b, dtype=np.uint64)
    if va.shape != vb.shape or not va.size:
        return 0.0
    return float((va == vb).mean())
