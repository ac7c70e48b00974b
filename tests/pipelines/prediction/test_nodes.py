"""Prediction nodes on toy data: the configured row is used, bad rows are reported."""

from __future__ import annotations

import pandas as pd
import pytest

from atomdl.parameters import Prediction
from atomdl.pipelines.prediction.nodes import fit_predictor, predict_materials
from tests.prediction.test_predictor import _toy_compositions, _toy_representation

RAW = {
    "tasks": {"expt_gap": {"representation": "best", "model": "best"}},
    "uncertainty_folds": 3,
    "seed": 0,
    "janus_classifier_grid": {},
    "janus_screening": {"outer": ["S", "Se"], "prototypes": ["2H"]},
}
OPTIONS = Prediction.model_validate(RAW)
RESULTS = pd.DataFrame(
    {
        "representation": ["toy", "toy", "toy"],
        "model": ["mean", "krr", "rf"],
        "protocol": ["nested"] * 3,
        "mae_mean": [1.0, 0.5, 0.7],
        "mae_std": [0.1, 0.1, 0.1],
        "settings": ["nested CV"] * 3,
        "best_params_most_chosen": [
            "{}",
            '{"alpha": 0.1, "gamma": 0.01, "kernel": "rbf"}',
            '{"n_estimators": 10}',
        ],
    }
)


def test_the_best_row_is_fitted_and_its_choice_recorded():
    toy = _toy_representation()
    predictor, tracked, served = fit_predictor(
        _toy_compositions(), {"toy": toy}, RESULTS, OPTIONS, task="expt_gap"
    )
    assert (predictor.model, predictor.params["alpha"], len(predictor.members)) == ("krr", 0.1, 3)
    assert tracked["params"]["prediction.expt_gap.model"] == "krr"
    assert served is predictor  # what the catalog logs as the MLflow model
    assert tracked["metrics"] == {
        "prediction.expt_gap.nested_cv_mae": 0.5,
        "prediction.expt_gap.training_set_aside": 0,
    }
    named = Prediction.model_validate(
        RAW | {"tasks": {"expt_gap": {"representation": "toy", "model": "rf"}}}
    )
    assert (
        fit_predictor(_toy_compositions(), {"toy": toy}, RESULTS, named, "expt_gap")[0].model
        == "rf"
    )
    with pytest.raises(KeyError, match="'toy', which the representation set lacks"):
        fit_predictor(_toy_compositions(), {}, RESULTS, OPTIONS, task="expt_gap")


def test_a_training_material_the_representation_lacks_is_counted_not_hidden():
    compositions = _toy_compositions()
    compositions.loc[0, ["formula", "elements", "amounts"]] = ["RbCl", ["Rb", "Cl"], [1.0, 1.0]]
    predictor, _, _ = fit_predictor(
        compositions, {"toy": _toy_representation()}, RESULTS, OPTIONS, task="expt_gap"
    )
    assert predictor.record["training_set_aside"] == 1
    assert len(predictor.training) == len(compositions) - 1


def test_bad_rows_of_the_users_table_go_to_the_reject_report():
    predictor, _, _ = fit_predictor(
        _toy_compositions(), {"toy": _toy_representation()}, RESULTS, OPTIONS, task="expt_gap"
    )
    table, rejects = predict_materials(
        predictor, pd.DataFrame({"formula": ["KBr", "K(Br", "RbCl"], "id": ["a", "b", "c"]})
    )
    assert list(table["id"]) == ["a"]
    assert list(rejects["row"]) == [1, 2] and list(rejects["formula"]) == ["K(Br", "RbCl"]
    assert rejects["reason"].str.len().gt(0).all()


def test_a_model_that_reads_element_amounts_is_fitted_without_a_representation():
    from atomdl.pipelines.prediction.nodes import _representation

    fine_tuned = {"model": "finetune_random", "representation": "composition"}
    assert _representation({}, fine_tuned) is None
    with pytest.raises(KeyError, match="'toy', which the representation set lacks"):
        _representation({}, {"model": "krr", "representation": "toy"})


def test_a_best_row_with_predicted_properties_predicts_new_formulas_with_them():
    from atomdl.features import WithPredictedProperties
    from atomdl.pipelines.prediction.nodes import _representation
    from atomdl.representations import magpie

    chosen = _representation({"magpie": magpie()}, {"model": "rf", "representation":
                                                    "magpie+oqmd"})  # fmt: skip
    assert isinstance(chosen, WithPredictedProperties) and chosen.name == "magpie+oqmd"
    with pytest.raises(KeyError, match="'oliynyk\\+oqmd', which the representation set lacks"):
        _representation({"magpie": magpie()}, {"model": "rf", "representation": "oliynyk+oqmd"})
    results = RESULTS.assign(representation="magpie+oqmd")
    predictor, tracked, _ = fit_predictor(
        _toy_compositions(), {"magpie": magpie()}, results, OPTIONS, task="expt_gap"
    )
    assert tracked["params"]["prediction.expt_gap.representation"] == "magpie+oqmd"
    assert [c for c in predictor.feature_columns if c.startswith("oqmd_")] == [
        "oqmd_formation_enthalpy_ev_per_atom", "oqmd_band_gap_ev", "oqmd_energy_per_atom_ev",
        "oqmd_volume_per_atom_a3",
    ]  # fmt: skip
    table, rejected = predict_materials(predictor, pd.DataFrame({"formula": ["KCl", "HeNa"]}))
    assert table["formula"].tolist() == ["KCl"] and table["predicted_band_gap"].notna().all()
    assert rejected["formula"].tolist() == ["HeNa"]  # the encoder has no He
