"""The ingestion pipeline on tiny data with a SequentialRunner."""

import pandas as pd
import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from atomdl.pipelines.ingestion import create_pipeline
from atomdl.pipelines.ingestion.pipeline import JANUS_TAG
from tests.c2db_sample import small_c2db_export

OPTIONS = {
    "oqmd": {"max_atoms_per_formula": 8, "integer_amounts": True},
    "expt_gap": {},
}


@pytest.fixture
def tiny_inputs():
    return {
        "raw_oqmd_formulas": pd.DataFrame(
            {
                "formula": ["Na1Cl1", "K1Br1", "Fe2O3", "Ac1Mg149", "Qq1O1"],
                "band_gap_ev": [5.0, 4.0, 2.0, 0.0, 1.0],
            }
        ),
        "raw_matbench_expt_gap": pd.DataFrame(
            {"formula": ["Ag(W3Br7)2", "Ag0.5Ge1Pb1.75S4", "NaCl"], "target": [0.0, 1.83, None]}
        ),
        "raw_c2db_table_export": small_c2db_export(),
        "raw_c2db_structures": pd.DataFrame(
            columns=["uid", "formula", "symbols", "positions", "cell"]
        ),
        "params:ingestion.oqmd": OPTIONS["oqmd"],
        "params:ingestion.expt_gap": OPTIONS["expt_gap"],
    }


class KeptDataset(MemoryDataset):
    """A MemoryDataset the runner cannot release, so the test can read intermediate outputs."""

    def _release(self) -> None:
        pass


def _run(pipeline, inputs):
    catalog = DataCatalog({name: MemoryDataset(value) for name, value in inputs.items()})
    for name in pipeline.all_outputs():
        catalog[name] = KeptDataset()
    SequentialRunner().run(pipeline, catalog)
    return catalog


def test_ingestion_on_tiny_data(tiny_inputs):
    catalog = _run(create_pipeline(), tiny_inputs)

    oqmd = catalog.load("primary_oqmd_compositions")
    rejects = catalog.load("reporting_oqmd_rejects")
    assert oqmd["formula"].tolist() == ["Na1Cl1", "K1Br1", "Fe2O3"]
    assert oqmd["class_key"].tolist() == ["1|17", "1|17", "8|16"]
    assert rejects["row"].tolist() == [3, 4]
    assert "150 atoms" in rejects["reason"].iat[0] and "'Qq'" in rejects["reason"].iat[1]

    vocabulary = catalog.load("model_input_token_vocabulary")
    assert vocabulary.loc[vocabulary["kind"] == "element", "token"].tolist() == [
        "O",
        "Na",
        "Cl",
        "K",
        "Fe",
        "Br",
    ]

    expt_gap = catalog.load("primary_expt_gap_compositions")
    assert expt_gap["target"].tolist() == [0.0, 1.83]
    assert catalog.load("reporting_expt_gap_rejects")["reason"].tolist() == ["target: missing"]

    janus = catalog.load("primary_janus_materials")
    assert len(janus) == 6 and catalog.load("reporting_janus_rejects").empty
    assert janus["has_gap"].sum() == 4
    assert len(catalog.load("intermediate_c2db_materials")) == 8


def test_janus_nodes_are_tagged_and_alone_need_the_c2db_export():
    pipeline = create_pipeline()
    janus = pipeline.only_nodes_with_tags(JANUS_TAG)
    assert {n.name for n in janus.nodes} == {
        "ingestion.clean_c2db_export",
        "ingestion.build_janus_table",
    }
    assert "raw_c2db_table_export" not in (pipeline - janus).inputs()
