"""Finished units of work kept in a folder, so that an interrupted (or repeated) run takes the
units it finds there and computes only the rest.

A unit's key is made of what it computes (``unit.key``: its function and arguments, the feature
arrays by content) and of the code and library versions that compute it; a fine-tuned model's
unit also of the fine-tuning code and of the release it starts from. Changing a grid, a table
or the selection code changes the keys, so nothing stale is reused.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

__all__ = ["FINETUNING_SOURCES", "MISSING", "SOURCES", "UnitCache", "dump_whole", "load_kept",
           "same_outcome"]  # fmt: skip

logger = logging.getLogger(__name__)

#: what computes a unit
SOURCES = (
    "atomdl.protocol.plan",
    "atomdl.protocol.run",
    "atomdl.protocol.splits",
    "atomdl.models.registry",
    "atomdl.models.search",
    "atomdl.models.two_stage",
)
#: what computes a fine-tuned model's unit, besides: the encoder, fine-tuning, the releases
FINETUNING_SOURCES = (
    "atomdl.models.finetuned",
    "atomdl.pretraining.config",
    "atomdl.pretraining.model",
    "atomdl.pretraining.tokenizer",
)


class UnitCache:
    """Finished units of work kept in a folder, one file per unit (written whole, then renamed
    into place, so an interrupted write leaves no half file)."""

    SOURCES = SOURCES
    FINETUNING_SOURCES = FINETUNING_SOURCES

    def __init__(self, folder):
        from pathlib import Path

        self.folder = Path(folder)

    def key(
        self,
        unit,
        digests: dict | None = None,
        version=None,
        finetuning_versions: dict | None = None,
    ) -> str:
        """The unit's name in the folder. ``digests``: array hashes to reuse between calls;
        ``version``: the code version, when already taken; ``finetuning_versions``: those of
        the fine-tuning starts taken so far (filled in as needed). Only a fine-tuned model's
        unit depends on the fine-tuning code and on its start's release, so a new release
        recomputes only the units that start from it."""
        from joblib import hash as content_hash

        from atomdl.models.registry import FINETUNE_MODELS

        digests = {} if digests is None else digests
        version = self.code_version() if version is None else version
        if unit.model in FINETUNE_MODELS:
            start = unit.model.removeprefix("finetune_")
            versions = {} if finetuning_versions is None else finetuning_versions
            if start not in versions:
                versions[start] = self.finetuning_version(start)
            version = (version, versions[start])

        def digest(value):  # big arrays hashed once per run, by content
            if getattr(value, "nbytes", 0) > 100_000:
                if id(value) not in digests:
                    digests[id(value)] = (value, content_hash(value))
                return digests[id(value)][1]
            return value

        return content_hash((unit.key(digest), version))

    def wrap(self, run):
        """``run`` that takes finished units from the folder and keeps new ones there."""

        def cached_run(units):
            digests: dict = {}
            # read once per run: edits made later do not count
            version, tuned = self.code_version(), {}
            keys = [self.key(unit, digests, version, tuned) for unit in units]
            kept = {i: self.folder / f"{k}.pkl" for i, k in enumerate(keys)}
            kept = {i: path for i, path in kept.items() if path.exists()}
            # read before counting: a unit is taken only if its file could be read
            taken, unreadable = {}, {}
            for i, path in kept.items():
                value = self._load(path)
                if value is MISSING:
                    unreadable[i] = path
                else:
                    taken[i] = value
            if kept:
                logger.info("%d of %d units of work taken from %s", len(taken), len(units),
                            self.folder)  # fmt: skip
            if unreadable:
                logger.warning(
                    "Units kept in %s that could not be read, computed again: %d (damaged or "
                    "cut-short files, each named above)",
                    self.folder,
                    len(unreadable),
                )
            todo = [i for i in range(len(units)) if i not in taken]
            fresh = run([units[i] for i in todo])
            for i, key in enumerate(keys):
                if i in taken:
                    yield taken.pop(i)
                    continue
                value = next(fresh)
                self._save(key, value)
                yield value

        return cached_run

    def carry(
        self, units, from_version: str, check: int = 4, seed: int = 0, dry_run: bool = False
    ) -> dict:
        """Keep the units that code of version ``from_version`` (``code_version(sources)``)
        finished under today's keys too, so that a change of the selection code that does not
        change what they compute (a new model, say) does not recompute them all.

        Trust is earned, not assumed: ``check`` of them, drawn at random, are recomputed with
        today's code first, and if any result differs (beyond float rounding, see
        ``same_outcome``) nothing is carried (``ValueError`` naming the unit). Returns counts:
        units, current (already under today's key), carried, absent (under neither key: a run
        computes them), checked. ``dry_run``: only count (``carried``: what would be)."""
        import os
        import shutil

        import numpy as np

        digests: dict = {}
        version, tuned = self.code_version(), {}
        now = [self.folder / f"{self.key(u, digests, version, tuned)}.pkl" for u in units]
        then = [self.folder / f"{self.key(u, digests, from_version, tuned)}.pkl" for u in units]
        current = [i for i, path in enumerate(now) if path.exists()]
        movable = [i for i in range(len(units)) if not now[i].exists() and then[i].exists()]
        rng = np.random.default_rng(seed)
        size = 0 if dry_run else min(check, len(movable))
        sample = sorted(rng.choice(movable, size=size, replace=False))
        for i in sample:
            unit = units[i]
            kept = self._load(then[i])
            if kept is MISSING or not same_outcome(kept, unit.run()):
                raise ValueError(
                    f"unit {i} ({unit.function.__qualname__}, {unit.label}) kept by the older "
                    f"code ({then[i].name}) differs from today's result: nothing carried"
                )
            logger.info("unit %d (%s) recomputed: the same as kept", i, unit.label)
        for i in [] if dry_run else movable:
            part = now[i].with_suffix(f".{os.getpid()}.part")
            shutil.copyfile(then[i], part)
            os.replace(part, now[i])
        return {
            "units": len(units),
            "current": len(current),
            "carried": len(movable),
            "absent": len(units) - len(current) - len(movable),
            "checked": len(sample),
        }

    @classmethod
    def code_version(cls, sources: Sequence[str] | None = None) -> str:
        """The selection code and the libraries it computes with: a unit cached by other code
        is not reused. ``sources``: the texts of the ``SOURCES`` modules as another version of
        the code had them (scripts/carry_unit_cache.py); by default, this one's."""
        import importlib
        import inspect

        import numpy
        import scipy
        import sklearn
        from joblib import hash as content_hash

        if sources is None:
            sources = [inspect.getsource(importlib.import_module(name))
                       for name in cls.SOURCES]  # fmt: skip
        sources = list(sources)
        return content_hash((sources, sklearn.__version__, numpy.__version__, scipy.__version__))

    @classmethod
    def finetuning_version(cls, start: str) -> str:
        """What else a unit fine-tuned from ``start`` depends on: the encoder and fine-tuning
        code, torch, and the release it starts from, if any (a remade release is another
        starting point; the other releases do not matter to it)."""
        import importlib
        import inspect
        from importlib import metadata, resources

        from joblib import hash as content_hash

        from atomdl.pretraining.release import RELEASES

        sources = [inspect.getsource(importlib.import_module(name))
                   for name in cls.FINETUNING_SOURCES]  # fmt: skip
        if start in RELEASES:
            record = resources.files("atomdl.pretraining").joinpath(RELEASES[start], "RELEASE.json")
            sources.append(record.read_text() if record.is_file() else "")
        return content_hash((sources, metadata.version("torch")))

    def _load(self, path):
        return load_kept(path, "unit")

    def _save(self, key: str, value) -> None:
        dump_whole(value, self.folder / f"{key}.pkl")  # a paper-protocol unit holds its model


#: what ``load_kept`` returns for a file it could not read
MISSING = object()


def dump_whole(value, path) -> None:
    """``value`` to ``path`` (joblib, level 3), written whole and then renamed into place, so an
    interrupted write leaves no half file under the name a reader looks for."""
    import os
    from pathlib import Path

    import joblib

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(f".{os.getpid()}.part")
    joblib.dump(value, part, compress=3)
    os.replace(part, path)


def load_kept(path, what: str):
    """What ``dump_whole`` wrote at ``path``, or ``MISSING`` with a warning when the file cannot
    be read: a damaged file is computed again, never trusted."""
    import joblib

    try:
        return joblib.load(path)
    except Exception as error:  # noqa: BLE001
        why = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        logger.warning("The %s kept in %s could not be read (%s)", what, path, why)
        return MISSING


def same_outcome(a, b, rtol: float = 1e-9, atol: float = 1e-12) -> bool:
    """Whether two units' results are the same: numbers, arrays and tables to float rounding
    (``rtol``/``atol``: a kernel solve's last digits depend on how many BLAS threads summed it,
    measured 5e-15 eV apart between a worker process and the driver), everything else exactly:
    containers and dataclasses field by field, anything else (a fitted model) by content."""
    import dataclasses
    import math

    import numpy as np
    import pandas as pd
    from joblib import hash as content_hash

    def same(x, y):
        return same_outcome(x, y, rtol, atol)

    if isinstance(a, (tuple, list)):
        return (type(a) is type(b) and len(a) == len(b)
                and all(same(x, y) for x, y in zip(a, b, strict=True)))  # fmt: skip
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=rtol, abs_tol=atol)
    if isinstance(a, np.ndarray):
        if not (isinstance(b, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype):
            return False
        if a.dtype.kind in "fc":
            return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))
        return bool(np.array_equal(a, b))
    if isinstance(a, pd.DataFrame):
        if not isinstance(b, pd.DataFrame):
            return False
        try:
            pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=rtol, atol=atol)
        except AssertionError:
            return False
        return True
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(
            same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a)
        )
    return content_hash(a) == content_hash(b)
