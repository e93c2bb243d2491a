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
    if not len(series) or not len(values):
        return np.zeros(len(series), dtype=bool)
    if all(isinstance(v, str) for v in values):
        import pyarrow as pa
        import pyarrow.compute as pc

        found = pc.is_in(to_arrow(series.astype("string")), value_set=pa.array(list(values), type=pa.string()))
        return pc.fill_null(found, False).to_numpy(zero_copy_only=False).astype(bool)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    table = np.zeros(len(uniques) + 1, dtype=bool)
    table[:-1] = pd.Index(np.asarray(uniques, dtype=object), dtype=object).isin(list(values))
    return table[codes]


def positions(values, reference) -> np.ndarray:
    """Position of each value in ``reference`` (text, unique), -1 when absent. Hashing in Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def arrow(x):
        return to_arrow(x) if isinstance(x, pd.Series) else pa.array(np.asarray(x, dtype=object), type=pa.string())

    found = pc.index_in(arrow(values), value_set=arrow(reference))
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def to_arrow(series: pd.Series):
    """A text column as an Arrow string array (zero-copy when it is Arrow-backed already)."""
    import pyarrow as pa

    array = series.array
    if hasattr(array, "__arrow_array__"):
        arrow = array.__arrow_array__()
        if arrow.type in (pa.string(), pa.large_string()):
            return arrow
    return pa.array(series.to_numpy(dtype=object, na_value=None), type=pa.string())
