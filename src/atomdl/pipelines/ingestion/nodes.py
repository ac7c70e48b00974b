"""Ingestion nodes: raw tables -> parsed, validated tables, with every refused row reported."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from atomdl.materials import JANUS_PROTOTYPES, janus_table, parse_composition_table
from atomdl.materials.schemas import EXPT_GAP, OQMD_FORMULAS, BadTableError
from atomdl.parameters import Source
from atomdl.pretraining import build_vocabulary

logger = logging.getLogger(__name__)


def parse_oqmd_compositions(
    raw: pd.DataFrame, options: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The pretraining corpus: parsed OQMD compositions and their reject report."""
    options = Source.model_validate(options)
    return _parse_compositions(raw, options, OQMD_FORMULAS, "OQMD")


def parse_expt_gap_compositions(
    raw: pd.DataFrame, options: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Matbench expt_gap compositions with their targets, and their reject report."""
    options = Source.model_validate(options)
    return _parse_compositions(raw, options, EXPT_GAP, "Matbench expt_gap")


def _parse_compositions(raw, options: Source, schema, source):
    table = parse_composition_table(
        raw,
        schema=schema,
        max_atoms=options.max_atoms_per_formula,
        integer_amounts=options.integer_amounts,
    )
    _log_counts(source, len(raw), table.accepted, table.rejected)
    _refuse_if_nothing_left(source, schema, table.accepted, table.rejected)
    for column in schema.numeric:
        if column in table.accepted and (missing := table.accepted[column].isna().sum()):
            logger.info("%s: %d accepted rows have no %s (allowed)", source, missing, column)
    return table.accepted, table.rejected


def _refuse_if_nothing_left(source, schema, accepted, rejected) -> None:
    """A table whose every row is rejected stops here, with the commonest reasons, rather than
    two pipelines later."""
    if len(accepted) or not len(rejected):
        return
    common = rejected["reason"].value_counts().head(3)
    reasons = "; ".join(f"{count} x {reason!r}" for reason, count in common.items())
    raise BadTableError(
        f"{source}: all {len(rejected)} rows of {schema.description} were rejected "
        f"(commonest reasons: {reasons})"
    )


def build_token_vocabulary(compositions: pd.DataFrame) -> pd.DataFrame:
    """Special tokens and every element of the pretraining corpus."""
    vocabulary = build_vocabulary(compositions["elements"])
    logger.info(
        "Token vocabulary: %d tokens (%d elements)",
        len(vocabulary),
        (vocabulary["kind"] == "element").sum(),
    )
    return vocabulary


def build_janus_table(
    c2db_materials: pd.DataFrame, structures: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Janus MXY rows with sites and structure features, and the Janus rows set aside."""
    table = janus_table(c2db_materials, structures)
    materials = table.materials
    n_janus = c2db_materials["Crystal type"].isin(list(JANUS_PROTOTYPES)).sum()
    _log_counts("C2DB Janus MXY", n_janus, materials, table.rejected)
    true_positions = materials["positions_source"].eq("c2db.db")
    logger.info(
        "Janus MXY: %d with a PBE+SOC band gap > 0 (regression set); positions: %d from c2db.db, "
        "%d estimated from covalent radii",
        materials["has_gap"].sum(),
        true_positions.sum(),
        (~true_positions).sum(),
    )
    flat = materials.loc[materials["flat_estimate"], "formula"].tolist()
    if flat:
        logger.warning(
            "Janus MXY: %d materials have an estimated outer-layer height of 0 "
            "(bond shorter than the in-plane distance): %s",
            len(flat),
            flat,
        )
    disagreements = materials["centre_rule_agrees"].eq(False).sum()
    if disagreements:
        logger.warning(
            "Janus MXY: the centre-atom rule disagrees with c2db.db for %d materials", disagreements
        )
    return materials, table.rejected


def _log_counts(source: str, n_in: int, accepted: pd.DataFrame, rejected: pd.DataFrame) -> None:
    if len(accepted) + len(rejected) != n_in:
        raise RuntimeError(
            f"{source}: {n_in} rows in but {len(accepted)} accepted + {len(rejected)} rejected"
        )
    log = logger.warning if len(rejected) else logger.info
    log(
        "%s: %d rows in, %d accepted, %d rejected%s",
        source,
        n_in,
        len(accepted),
        len(rejected),
        "" if rejected.empty else " (reasons in the reject report)",
    )
    for record in rejected.head(3).itertuples(index=False):
        logger.warning(
            "%s reject, row %d (%s): %s", source, record.row, record.formula, record.reason
        )
