"""Featurization nodes: one feature table per task x representation, rejects reported."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

import pandas as pd

logger = logging.getLogger(__name__)


def _chosen(representations: dict, chosen: list | None) -> list:
    names = list(representations) if chosen is None else list(chosen)
    unknown = sorted(set(names) - set(representations))
    if unknown:
        raise KeyError(
            f"featurization.representations names {unknown}, which the representations "
            f"pipeline did not build (it has {sorted(representations)})"
        )
    return [representations[n] for n in names]


def _featurize(
    task: str, build, representations: list, composition=None
) -> tuple[dict, pd.DataFrame]:
    """Every representation's table, and the fine-tuned encoder's input (``composition``, a
    function of the encoder's elements) when asked for."""
    from atomdl.finetuning.features import COMPOSITION, encoder_elements

    builds = [(r.name, lambda r=r: build(r)) for r in representations]
    if composition is not None:
        builds.append((COMPOSITION, lambda: composition(encoder_elements())))
    tables, rejects = {}, []
    for name, make in builds:
        result = make()
        tables[f"{task}__{name}"] = result.table
        rejects.append(result.rejected)
        logger.info(
            "%s x %s: %d materials, %d features, %d set aside",
            task, name, len(result.table), result.features.shape[1], len(result.rejected),
        )  # fmt: skip
    rejected = pd.concat(rejects, ignore_index=True)
    if len(rejected):
        logger.warning(
            "%s: %d (material, representation) pairs set aside for missing elements; see the "
            "reject report", task, len(rejected),
        )  # fmt: skip
    return tables, rejected


def featurize_janus(
    materials: pd.DataFrame,
    element_representations: dict,
    options: dict[str, Any],
) -> tuple[dict, pd.DataFrame]:
    """Janus MXY: M, X, Y vectors + structure features, for every representation."""
    from atomdl.featurization import janus_features
    from atomdl.finetuning.features import janus_composition_features

    settings = options["janus"]
    selected = materials
    if settings["only_with_gap"]:
        selected = materials.loc[materials["has_gap"].astype(bool)].reset_index(drop=True)
    logger.info("Janus task: %d of %d materials (only_with_gap=%s)", len(selected),
                len(materials), settings["only_with_gap"])  # fmt: skip
    representations = _chosen(element_representations, options["representations"])
    composition = None
    if options.get("fine_tuning_input", True):
        composition = partial(janus_composition_features, selected, target=settings["target"])
    return _featurize(
        "janus",
        lambda r: janus_features(selected, r, target=settings["target"]),
        representations,
        composition,
    )


def featurize_expt_gap(
    compositions: pd.DataFrame,
    element_representations: dict,
    options: dict[str, Any],
) -> tuple[dict, pd.DataFrame]:
    """Matbench expt_gap: amount-weighted pooled element vectors, for every representation."""
    from atomdl.featurization import pooled_features
    from atomdl.finetuning.features import composition_features

    representations = _chosen(element_representations, options["representations"])
    composition = None
    if options.get("fine_tuning_input", True):
        composition = partial(composition_features, compositions)
    return _featurize(
        "expt_gap", lambda r: pooled_features(compositions, r), representations, composition
    )
