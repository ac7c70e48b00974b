"""Featurization nodes: one feature table per task x model input, rejects reported."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pandas as pd

from atomdl.parameters import Featurization

logger = logging.getLogger(__name__)


def _inputs(representations: dict, params: Featurization) -> list:
    """The chosen representations' vectors, those of ``predicted_properties`` again beside the
    property-aware encoder's predictions (``<task>__<name>+oqmd``), then
    (``fine_tuning_input``) the element amounts the fine-tuned encoder reads, written as
    ``<task>__composition``."""
    from atomdl.features import ElementAmounts, ElementVectors, WithPredictedProperties

    names = list(representations) if params.representations is None else params.representations
    unknown = sorted(set(names + params.predicted_properties) - set(representations))
    if unknown:
        raise KeyError(
            f"featurization names {unknown}, which the representations pipeline did not build "
            f"(it has {sorted(representations)})"
        )
    inputs = [ElementVectors(representations[n]) for n in names]
    inputs += [WithPredictedProperties(ElementVectors(representations[n]))
               for n in params.predicted_properties]  # fmt: skip
    return inputs + [ElementAmounts.of_encoder()] if params.fine_tuning_input else inputs


def _featurize(task: str, build: Callable, inputs: list) -> tuple[dict, pd.DataFrame]:
    """``build(input)`` for every input: the tables by ``<task>__<name>``, and the rejects."""
    tables, rejects = {}, []
    for source in inputs:
        result = build(source)
        tables[f"{task}__{source.name}"] = result.table
        rejects.append(result.rejected)
        logger.info(
            "%s x %s: %d materials, %d features, %d set aside",
            task, source.name, len(result.table), result.features.shape[1], len(result.rejected),
        )  # fmt: skip
    rejected = pd.concat(rejects, ignore_index=True)
    if len(rejected):
        logger.warning(
            "%s: %d (material, representation) pairs set aside for missing elements; see the "
            "reject report", task, len(rejected),
        )  # fmt: skip
    return tables, rejected


def featurize_janus(
    materials: pd.DataFrame, element_representations: dict, params: dict[str, Any]
) -> tuple[dict, pd.DataFrame]:
    """Janus MXY: M, X, Y vectors + structure features, for every representation."""
    params = Featurization.model_validate(params)
    janus = params.janus
    selected = materials
    if janus.only_with_gap:
        selected = materials.loc[materials["has_gap"].astype(bool)].reset_index(drop=True)
    logger.info("Janus task: %d of %d materials (only_with_gap=%s)", len(selected),
                len(materials), janus.only_with_gap)  # fmt: skip
    inputs = _inputs(element_representations, params)
    return _featurize("janus", lambda i: i.janus(selected, target=janus.target), inputs)


def featurize_expt_gap(
    compositions: pd.DataFrame, element_representations: dict, params: dict[str, Any]
) -> tuple[dict, pd.DataFrame]:
    """Matbench expt_gap: amount-weighted pooled element vectors, for every representation."""
    params = Featurization.model_validate(params)
    inputs = _inputs(element_representations, params)
    return _featurize("expt_gap", lambda i: i.compositions(compositions), inputs)
