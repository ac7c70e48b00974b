"""The protocol's units of work, listed (and keyed) without running them.

Outer folds are drawn once from the sorted material ids of all tables, so every representation
is scored on identical folds and the comparison is paired. A :class:`Plan` holds, per
representation x model, one :class:`Unit` per outer fold (nested CV: a grid search inside the
outer training part only) and, when asked for, one unit of the paper's protocol. An executor
(``atomdl.execution``) runs ``plan.units`` in order; ``atomdl.protocol.assemble`` makes the
outcomes into results.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from atomdl.features.schema import AMOUNTS_TABLE, ID_COLUMNS
from atomdl.models.registry import MODELS
from atomdl.protocol import run
from atomdl.protocol.reports import describe_protocol
from atomdl.protocol.results import NESTED, PAPER
from atomdl.protocol.splits import MatbenchFolds, MaterialKFold

__all__ = ["Pair", "Plan", "Protocol", "Rows", "Unit", "make_plan", "pair_plan", "runs_on"]


@dataclass(frozen=True)
class Protocol:
    """How representations are compared: the outer split (``n_splits`` x ``n_repeats`` from
    ``seed``, or ``splitter``, e.g. ``MatbenchFolds()``), the inner grid search's folds, the
    paper's protocol beside it or not, and the representation the others are tested against."""

    reference: str | None = None
    n_splits: int = 5
    n_repeats: int = 10
    seed: int = 0
    inner_splits: int = 5
    paper: bool = True
    splitter: MaterialKFold | None = None

    def outer(self) -> MaterialKFold:
        return self.splitter or MaterialKFold(self.n_splits, self.n_repeats, self.seed)


@dataclass(frozen=True, eq=False)
class Rows:
    """One feature table as arrays."""

    ids: np.ndarray
    features: np.ndarray
    target: np.ndarray

    @classmethod
    def of(cls, table: pd.DataFrame) -> Rows:
        missing = [c for c in ID_COLUMNS if c not in table.columns]
        if missing:
            raise KeyError(f"a feature table needs the columns {missing}")
        ids = table["material_id"].astype(str).to_numpy()
        if len(set(ids)) != len(ids):
            raise ValueError("material ids repeat in the feature table")
        features = table.drop(columns=list(ID_COLUMNS)).to_numpy(dtype=float)
        return cls(ids, features, table["target"].to_numpy(dtype=float))


def _same(value):
    return value


@dataclass(frozen=True, eq=False)
class Unit:
    """One unit of work: ``function(*args)``, labelled with what it computes."""

    function: Callable
    args: tuple
    representation: str = ""
    model: str = ""
    protocol: str = ""  # NESTED or PAPER
    repeat: int = 0
    fold: int | None = None  # None: the paper protocol's search and all its folds
    grid: list = field(default_factory=list)

    @property
    def label(self) -> tuple:
        return (self.representation, self.model, self.protocol, self.repeat, self.fold)

    def key(self, digest: Callable = _same) -> tuple:
        """What the unit computes, for a cache to hash: the function and its arguments
        (``digest`` may stand a big array in by its content hash)."""
        return (self.function.__module__, self.function.__qualname__,
                [digest(a) for a in self.args])  # fmt: skip

    def run(self):
        return self.function(*self.args)


@dataclass(frozen=True, eq=False)
class Pair:
    """The units of one representation x model, and the (repeat, fold, train, test) parts of
    its table that its nested units score."""

    representation: str
    model: str
    rows: Rows
    parts: tuple
    nested: tuple[Unit, ...]
    paper: Unit | None = None

    @property
    def units(self) -> list[Unit]:
        return [*self.nested, *([self.paper] if self.paper is not None else [])]


@dataclass(frozen=True, eq=False)
class Plan:
    pairs: tuple[Pair, ...]
    settings: str  # the nested protocol, in words
    paper_settings: str
    reference: str | None = None

    @property
    def units(self) -> list[Unit]:
        return [unit for pair in self.pairs for unit in pair.units]


def runs_on(representation: str, model: str) -> bool:
    """A model that reads element amounts runs on the composition table; one that reads
    vectors on every other table."""
    return (MODELS[model].reads == "amounts") == (representation == AMOUNTS_TABLE)


def make_plan(
    tables: Mapping[str, pd.DataFrame],
    models: Sequence[str],
    grids: Mapping[str, Sequence[dict] | dict | None],
    protocol: Protocol | None = None,
) -> Plan:
    """Every unit of each model on each representation's table that it reads (the reference
    first, then by name), on outer folds drawn once from all materials."""
    protocol = protocol or Protocol()
    reference = protocol.reference
    if reference is not None and reference not in tables:
        raise KeyError(f"reference {reference!r} is not among the tables {sorted(tables)}")
    ordered = sorted(tables, key=lambda name: (name != reference, name))
    all_ids = sorted(set().union(*(set(map(str, t["material_id"])) for t in tables.values())))
    splitter = protocol.outer()
    folds = splitter.assignments(all_ids)
    settings = describe_protocol(splitter.n_splits, splitter.n_repeats, protocol.inner_splits,
                                 len(all_ids), isinstance(splitter, MatbenchFolds))  # fmt: skip
    pairs = [(r, m) for r in ordered for m in models if runs_on(r, m)]
    if not pairs:
        raise ValueError(f"no model of {list(models)} runs on the tables {ordered}")
    planned = tuple(
        pair_plan(Rows.of(tables[name]), model, grids.get(model), folds, protocol, name)
        for name, model in pairs
    )
    paper_settings = f"grid search + {protocol.n_splits}-fold CV on the same data"
    return Plan(planned, settings, paper_settings, reference)


def pair_plan(
    rows: Rows, model: str, grid, folds: pd.DataFrame, protocol: Protocol, representation=""
) -> Pair:
    """The units of one table x model: an outer fold each (materials of ``folds`` absent from
    the table are left out of both sides), and the paper protocol's when ``protocol.paper``."""
    position = pd.Series(np.arange(len(rows.ids)), index=rows.ids)
    grid = run.prefixed_grid(grid)
    labels = {"representation": representation, "model": model, "grid": grid}
    parts, nested = [], []
    for (repeat, fold), members in folds.groupby(["repeat", "fold"], sort=True):
        test = position.reindex(members["material_id"]).dropna().astype(int).to_numpy()
        train = np.setdiff1d(np.arange(len(rows.ids)), test)
        parts.append((int(repeat), int(fold), train, test))
        args = (model, grid, protocol.inner_splits, protocol.seed + int(repeat), rows.features,
                rows.target, train, test)  # fmt: skip
        nested.append(Unit(run.nested_fold, args, protocol=NESTED, repeat=int(repeat),
                           fold=int(fold), **labels))  # fmt: skip
    paper = None
    if protocol.paper:
        args = (model, grid, protocol.n_splits, protocol.seed, rows.features, rows.target)
        paper = Unit(run.paper_run, args, protocol=PAPER, **labels)
    return Pair(representation, model, rows, tuple(parts), tuple(nested), paper)
