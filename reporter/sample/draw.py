"""Random draws and array helpers shared by the sample generators.

Everything here is vectorised (one numpy call per column, never one Python iteration per row)
and takes its randomness from the caller's generator, so every dataset keeps its own stream.
"""

from __future__ import annotations

import numpy as np


def lognormal(rng: np.random.Generator, median, sigma: float, size: int | None = None) -> np.ndarray:
    """Lognormal draws around ``median`` (scalar or array): durations and amounts are skewed."""
    median = np.asarray(median, dtype=float)
    shape = median.shape if size is None else size
    return median * np.exp(sigma * rng.standard_normal(shape))


def gumbel_top(rng: np.random.Generator, weights: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sample k[i] distinct columns per row without replacement, weighted; return (row, column)."""
    with np.errstate(divide="ignore"):
        keys = np.log(weights) - np.log(-np.log(rng.random(weights.shape)))
    order = np.argsort(-keys, axis=1, kind="stable")
    row = np.repeat(np.arange(len(k)), k)
    pos = np.arange(len(row)) - np.repeat(np.cumsum(k) - k, k)
    return row, order[row, pos]


def stratified(group: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Uniform draws spread evenly within each group, so that "the first 30% of a team" is
    30% of it even for a team of 12 (plain draws make small teams' stories noisy)."""
    u = np.empty(len(group))
    for g in np.unique(group):  # one loop per group
        idx = np.nonzero(group == g)[0]
        u[idx] = (rng.permutation(len(idx)) + rng.random(len(idx))) / len(idx)
    return u


def dithered(group: np.ndarray, p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Events with probability p (rows in time order within each group), spread so that every
    stretch of a group gets about its expected count: a rate change on a service with a few
    deployments a week shows as a rate change, not as luck. Jitter keeps them irregular."""
    order = np.lexsort((np.arange(len(group)), group))
    g, step = group[order], (p * rng.uniform(0.4, 1.6, len(p)))[order]
    cum = np.cumsum(step)
    starts = np.r_[0, np.nonzero(np.diff(g))[0] + 1]
    before = np.repeat(cum[starts] - step[starts], np.diff(np.r_[starts, len(g)]))
    offset = rng.random(len(group))[g]
    cum = cum - before + offset
    hit = np.floor(cum) > np.floor(cum - step)
    out = np.empty(len(group), dtype=bool)
    out[order] = hit
    return out


def maybe(values: tuple[str, ...], empty: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """n picks: '' with probability `empty`, else one of `values` evenly."""
    p = np.r_[empty, np.full(len(values), (1 - empty) / len(values))]
    return np.array(("",) + values, dtype=object)[rng.choice(len(values) + 1, n, p=p)]


def pick(values: tuple[str, ...], n: int, rng: np.random.Generator) -> np.ndarray:
    """n picks of `values`, evenly."""
    return np.array(values, dtype=object)[rng.integers(0, len(values), n)]


def hex_strings(rng: np.random.Generator, n: int, nbytes: int = 20) -> np.ndarray:
    """n random lowercase hex strings (40 chars = a git sha)."""
    raw = rng.integers(0, 256, size=n * nbytes, dtype=np.uint8).tobytes()
    return np.frombuffer(raw.hex().encode("ascii"), dtype=f"S{2 * nbytes}").astype(f"U{2 * nbytes}")


def ids(prefix: str, n: int, width: int, start: int = 1) -> np.ndarray:
    """PREFIX0001, PREFIX0002... zero-padded to `width` digits."""
    numbers = np.char.zfill(np.arange(start, start + n).astype(str), width)
    return np.char.add(prefix, numbers).astype(object)


def join(parts: list[np.ndarray], sep: str = ";") -> np.ndarray:
    """Element-wise join of string arrays, skipping empty strings."""
    out = parts[0].copy()
    for part in parts[1:]:
        out = np.where(part == "", out, np.where(out == "", part, out + sep + part))
    return out


def order_by(*keys: np.ndarray) -> np.ndarray:
    """Stable sort order by several keys, the first the most significant (strings allowed)."""
    return np.lexsort([np.asarray(k, dtype=str) if k.dtype == object else k for k in reversed(keys)])


def group_starts(sorted_keys: np.ndarray) -> np.ndarray:
    """Positions where a new run of equal keys begins in a sorted array."""
    return np.r_[0, np.nonzero(np.diff(sorted_keys))[0] + 1]
