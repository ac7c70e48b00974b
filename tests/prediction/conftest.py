"""Tables the prediction tests share: the embedded expt_gap compositions, the real Janus table."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import EMBEDDED


@pytest.fixture(scope="session")
def expt_gap_compositions() -> pd.DataFrame:
    """Ingestion's parse of the embedded Matbench file (every accepted row)."""
    from atomdl.materials.compositions import parse_composition_table
    from atomdl.materials.schemas import EXPT_GAP

    raw = pd.read_csv(EMBEDDED / "matbench_expt_gap.csv", dtype=str, keep_default_na=False)
    return parse_composition_table(raw, schema=EXPT_GAP).accepted


@pytest.fixture(scope="session")
def janus_materials(c2db_export) -> pd.DataFrame:
    from atomdl.materials.janus import clean_c2db_export, janus_table

    return janus_table(clean_c2db_export(c2db_export)).materials


@pytest.fixture(scope="session")
def janus_predictor(janus_materials):
    """Atom_DL (the committed release) x KRR at the parameters model selection chose most."""
    from atomdl.prediction import fit_janus_predictor
    from atomdl.representations import atom_dl

    params = {"alpha": 1.0, "coef0": 2.5, "degree": 2, "gamma": 0.15, "kernel": "poly"}
    return fit_janus_predictor(
        janus_materials,
        atom_dl(),
        "krr",
        params,
        classifier_grid={"n_estimators": [50], "max_features": ["sqrt"]},
    )
