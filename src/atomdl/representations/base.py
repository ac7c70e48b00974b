"""One interface for every element representation: a table of vectors indexed by symbol."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

__all__ = ["MissingElementsError", "Representation"]


class MissingElementsError(KeyError):
    """A representation was asked for elements it has no vector for."""

    def __init__(self, representation: str, missing: Iterable[str]):
        self.representation = representation
        self.missing = sorted(set(missing))
        super().__init__(
            f"representation {representation!r} has no vector for {len(self.missing)} "
            f"element(s): {', '.join(self.missing)}"
        )

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]


@dataclass(frozen=True)
class Representation:
    """Element vectors with a name and a source a reader can trace.

    ``vectors`` is indexed by element symbol (index name ``symbol``), one float column per
    dimension, no missing values: a representation either has an element or lacks it.
    """

    name: str
    vectors: pd.DataFrame
    source: str

    def __post_init__(self) -> None:
        vectors = self.vectors
        if vectors.index.has_duplicates:
            duplicated = sorted(set(vectors.index[vectors.index.duplicated()]))
            raise ValueError(f"representation {self.name!r} repeats elements: {duplicated}")
        values = vectors.to_numpy(dtype=float)
        if not np.isfinite(values).all():
            bad = vectors.index[~np.isfinite(values).all(axis=1)].tolist()
            raise ValueError(f"representation {self.name!r} has non-finite values for {bad}")
        table = pd.DataFrame(values, index=vectors.index.astype(str), columns=vectors.columns)
        table.index.name = "symbol"
        table.columns = [str(c) for c in table.columns]
        object.__setattr__(self, "vectors", table)

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    @property
    def elements(self) -> list[str]:
        return self.vectors.index.tolist()

    @cached_property
    def _symbols(self) -> frozenset[str]:
        # once: a set of the index per call costs 1 s per 20,000 formulas to predict
        return frozenset(self.vectors.index.tolist())

    def missing(self, symbols: Iterable[str]) -> list[str]:
        """The symbols among ``symbols`` that this representation lacks, sorted."""
        return sorted(set(symbols) - self._symbols)

    def covers(self, symbols: Iterable[str]) -> bool:
        return not self.missing(symbols)

    def vectors_for(self, symbols: Iterable[str]) -> pd.DataFrame:
        """Rows for ``symbols`` in the given order; raises MissingElementsError listing gaps."""
        symbols = list(symbols)
        missing = self.missing(symbols)
        if missing:
            raise MissingElementsError(self.name, missing)
        return self.vectors.loc[symbols]

    def sha256(self) -> str:
        """Fingerprint of the vectors (to 6 significant digits), to tell tables apart in logs."""
        text = self.vectors.to_csv(float_format="%.6g")
        return hashlib.sha256(text.encode()).hexdigest()
