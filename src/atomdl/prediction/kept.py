"""Fitted models kept under a key, so that the chosen row is fitted once, not at every
prediction run (Kedro-free; the catalog's ``atomdl.datasets.FittedModelsDataset`` reads and
writes a store).

A key is made, like a unit of work's (``atomdl.execution.cache``), of everything the fit reads:

* ``training table``: the table the regressor is fitted on (ids, target, features, by content);
  for Janus also the classifier's table and the materials the structure estimate is fitted on;
* ``chosen row``: what the model reads (the representation, or element amounts), the model and
  its parameters;
* ``fit settings``: the number of outer training parts, the seed, the classifier grid;
* ``code``: the modules that fit (``FIT_SOURCES``) and the libraries they fit with, as the unit
  cache hashes its own; a fine-tuned model also the fine-tuning code and its start's release.

Each kept fit is two files: ``<key>.pkl`` (the models, written whole and then renamed into
place) and ``<key>.json`` (its parts' digests, what was fitted, when), which lets a run that
finds no models for its key say which parts changed since the closest kept fit.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = [
    "CLASSIFIER_CV_SOURCES",
    "FIT_SOURCES",
    "FittedModelStore",
    "KeptFit",
    "classifier_cv_parts",
    "fit_code_version",
    "fit_key",
    "fit_parts",
    "kept_fit",
    "table_digest",
]

logger = logging.getLogger(__name__)

#: what fits a predictor's models (how a prediction is made from them is not in the key)
FIT_SOURCES = (
    "atomdl.prediction.fitting",
    "atomdl.prediction.structures",
    "atomdl.models.registry",
    "atomdl.models.two_stage",
    "atomdl.protocol.splits",
)
#: what the nested CV of the Janus gapped-or-metallic classifier runs (the screen's scores)
CLASSIFIER_CV_SOURCES = (
    "atomdl.prediction.fitting",
    "atomdl.prediction.screening",
    "atomdl.protocol.splits",
)
#: the models of a predictor that are fitted, by its kind, besides ``fitted`` (FittedModels)
_FITTED_FIELDS = {"composition": (), "janus": ("structures", "classifier")}


@dataclass(frozen=True)
class KeptFit:
    """A predictor's fitted models and the digests of the key's parts they were fitted from."""

    parts: Mapping[str, str]
    models: Mapping[str, object]  # "fitted" (FittedModels); Janus: "structures", "classifier"
    about: str = ""  # what was fitted (BandGapPredictor.describe)

    @property
    def key(self) -> str:
        return fit_key(self.parts)


def fit_key(parts: Mapping[str, str]) -> str:
    from joblib import hash as content_hash

    return content_hash(sorted(parts.items()))


def fit_code_version(model: str | None, sources=None) -> str:
    """The fitting code and libraries (``UnitCache.code_version`` over ``sources``, by default
    ``FIT_SOURCES``); for a fine-tuned model also what its unit of work depends on
    (``UnitCache.finetuning_version``)."""
    import importlib
    import inspect

    from joblib import hash as content_hash

    from atomdl.execution.cache import UnitCache
    from atomdl.models.registry import FINETUNE_MODELS

    sources = FIT_SOURCES if sources is None else sources
    texts = [inspect.getsource(importlib.import_module(name)) for name in sources]
    version = UnitCache.code_version(texts)
    if model in FINETUNE_MODELS:
        start = model.removeprefix("finetune_")
        version = content_hash((version, UnitCache.finetuning_version(start)))
    return version


def table_digest(*tables) -> str:
    """Tables (or arrays) by content: column names and values, whatever their memory layout."""
    import numpy as np
    from joblib import hash as content_hash

    def content(table):
        if isinstance(table, pd.DataFrame):
            return [[str(c) for c in table.columns],
                    [np.asarray(table[c].to_numpy()) for c in table.columns]]  # fmt: skip
        return np.asarray(table)

    return content_hash([content(table) for table in tables])


def fit_parts(training: str, reads: str, model: str, params: Mapping, settings: Mapping) -> dict:
    """The key's parts: ``training`` (a ``table_digest``), the chosen row (``reads``: the
    representation's name or the amounts table; the model and its parameters), the fit's
    settings, the code."""
    from joblib import hash as content_hash

    return {
        "training table": training,
        "chosen row": content_hash((reads, model, sorted(dict(params).items()))),
        "fit settings": content_hash(sorted(dict(settings).items())),
        "code": fit_code_version(model),
    }


def classifier_cv_parts(features, gapped, ids, settings: Mapping) -> dict:
    """The key's parts for the nested CV of the gapped-or-metallic classifier: its table, its
    settings (splits, repeats, seed, grid), the code that runs it."""
    from joblib import hash as content_hash

    return {
        "training table": table_digest(features, gapped, ids),
        "fit settings": content_hash(sorted(dict(settings).items())),
        "code": fit_code_version(None, CLASSIFIER_CV_SOURCES),
    }


def kept_fit(predictor) -> KeptFit:
    """What a store keeps of a predictor fitted with a key (``record["fit"]``)."""
    fields = _FITTED_FIELDS[predictor.kind]
    models = {"fitted": predictor.fitted, **{name: getattr(predictor, name) for name in fields}}
    return KeptFit(predictor.record["fit"]["parts"], models, predictor.describe())


class FittedModelStore:
    """A folder of kept fits, by key (``KeptFit``)."""

    def __init__(self, folder):
        self.folder = Path(folder)

    def take(self, parts: Mapping[str, str], what: str) -> Mapping | None:
        """The models kept for ``parts``, or None (the log says why: which parts changed since
        the closest kept fit, or that none is kept); ``what``: the fit, for the log."""
        key = fit_key(parts)
        path = self.folder / f"{key}.pkl"
        if path.exists():
            models = self._load(path)
            if models is not None:
                logger.info("%s: fitted models taken from %s (kept %s): nothing refitted",
                            what, path, self._manifest(key).get("kept", "?"))  # fmt: skip
                return models
            reason = "the kept file could not be read"
        else:
            reason = self._why_not(parts)
        logger.info("%s: no fitted models for this key (%s); fitting", what, reason)
        return None

    def keep(self, kept: KeptFit) -> bool:
        """Write ``kept`` unless its key is already kept; True when written."""
        import datetime
        import os

        from atomdl.execution.cache import dump_whole

        path = self.folder / f"{kept.key}.pkl"
        if path.exists():
            return False
        dump_whole(dict(kept.models), path)
        manifest = {
            "key": kept.key,
            "parts": dict(kept.parts),
            "about": kept.about,
            "kept": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        }
        part = path.with_suffix(f".json.{os.getpid()}.part")
        part.write_text(json.dumps(manifest, indent=1) + "\n")
        os.replace(part, path.with_suffix(".json"))
        logger.info("Fitted models kept in %s", path)
        return True

    def manifests(self) -> list[dict]:
        """Every kept fit's manifest (parts, what was fitted, when), oldest first."""
        found = []
        for path in sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []:
            try:
                manifest = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            if (self.folder / f"{path.stem}.pkl").exists() and isinstance(manifest, dict):
                found.append(manifest)
        return sorted(found, key=lambda m: str(m.get("kept", "")))

    def _manifest(self, key: str) -> dict:
        return next((m for m in self.manifests() if m.get("key") == key), {})

    def _why_not(self, parts: Mapping[str, str]) -> str:
        kept = self.manifests()
        if not kept:
            return f"none kept in {self.folder}"

        def changed(manifest):
            theirs = manifest.get("parts") or {}
            return [name for name in parts if theirs.get(name) != parts[name]]

        closest = min(reversed(kept), key=lambda m: len(changed(m)))  # ties: the newest
        about = closest.get("about") or closest.get("key")
        return (f"{', '.join(changed(closest))} changed since the closest kept fit, {about} "
                f"(kept {closest.get('kept', '?')})")  # fmt: skip

    def _load(self, path: Path):
        from atomdl.execution.cache import MISSING, load_kept

        models = load_kept(path, "fitted models")
        return None if models is MISSING else models
