"""Fast lookups on large text columns: work on the distinct values, then broadcast.

A million-row column usually holds a few thousand distinct logins, repos or ids; calling
Python once per distinct value instead of once per row is what keeps a 5,000-engineer build
within seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

import numpy as np
import pandas as pd


def map_values(series: pd.Series, mapping: Mapping | Callable) -> np.ndarray:
    """Object array of ``mapping(value)`` per row; missing values map to None."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    values = np.asarray(uniques, dtype=object)
    table = np.empty(len(values) + 1, dtype=object)
    if isinstance(mapping, Mapping):
        index = pd.Index(list(mapping.keys()), dtype=object)
        at = index.get_indexer(values) if len(index) else np.full(len(values), -1)
        targets = np.asarray(list(mapping.values()), dtype=object)
        table[:-1] = np.where(at >= 0, targets[np.maximum(at, 0)] if len(targets) else None, None)
    else:
        table[:-1] = [mapping(v) for v in values]
    table[-1] = None
    return table[codes]


def is_in(series: pd.Series, values: Collection) -> np.ndarray:
    """Boolean array: the row's value is one of ``values`` (missing is never in)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    table = np.zeros(len(uniques) + 1, dtype=bool)
    if len(uniques) and len(values):
        table[:-1] = pd.Index(np.asarray(uniques, dtype=object), dtype=object).isin(list(values))
    return table[codes]


def to_arrow(series: pd.Series):
    """A text column as an Arrow string array (zero-copy when it is Arrow-backed already)."""
    import pyarrow as pa

    array = series.array
    if hasattr(array, "__arrow_array__"):
        arrow = array.__arrow_array__()
        if arrow.type in (pa.string(), pa.large_string()):
            return arrow
    return pa.array(series.to_numpy(dtype=object, na_value=None), type=pa.string())
