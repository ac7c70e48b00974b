"""select_models on small synthetic tables: labelled outputs, and no material lost."""

import numpy as np
import pandas as pd

from atomdl.pipelines.model_selection import nodes

RNG = np.random.default_rng(1)
N = 40


def _table(n_features: int) -> pd.DataFrame:
    features = RNG.normal(size=(N, n_features))
    table = pd.DataFrame(features, columns=[f"mean__v{i}" for i in range(n_features)])
    table.insert(0, "material_id", [f"m{i:02d}" for i in range(N)])
    table.insert(1, "formula", [f"X{i}" for i in range(N)])
    table.insert(2, "target", features[:, 0] + RNG.normal(0, 0.1, N))
    return table


def select_models(tables, options, task):
    """The pipeline's nodes in turn, as the results table, folds, Table 4, Markdown, the PNG and
    SVG figures and the selection results (what the one select node returned before)."""
    comparison = nodes.select_models(tables, options, task)
    results, folds, table4, markdown, selection = nodes.selection_tables(comparison, task)
    png, svg = nodes.selection_figures(comparison, task)
    nodes.log_selection_runs(comparison, options, task)  # no active run: nothing logged
    return results, folds, table4, markdown, png, svg, selection


OPTIONS = {
    "reference": "atom_dl",
    "models": ["mean", "krr"],
    "inner_splits": 3,
    "parallel": {"backend": "processes", "n_jobs": 1},
    "log_models": False,
    "tasks": {
        "janus": {
            "max_materials": None,
            "outer": {"splits": 4, "repeats": 2, "seed": 0},
            "grids": {"krr": {"kernel": ["poly"], "degree": [1], "alpha": [0.1, 1.0]}},
        }
    },
}


def test_select_models_keeps_a_material_the_reference_set_aside():
    atom_dl = _table(3).iloc[1:].reset_index(drop=True)  # m00 set aside by the reference
    results, folds, table4, markdown, png, svg, selection = select_models(
        {"janus__atom_dl": atom_dl, "janus__magpie": _table(3)}, OPTIONS, task="janus"
    )
    assert len(results) == 2 * 2 * 2 and results["task"].eq("janus").all()
    assert results.loc[results["protocol"] == "nested", "n_materials"].tolist() == [39, 39, 40, 40]
    assert len(folds) == 2 * 2 * 4 * 2 and folds["task"].eq("janus").all()
    assert len(table4) == N and list(table4.columns[:3]) == ["material_id", "formula", "target"]
    missing = table4.set_index("material_id").loc["m00"]
    assert np.isnan(missing["krr__atom_dl"]) and np.isfinite(missing["krr__magpie"])
    assert markdown.startswith("Settings: nested CV: outer 4-fold x 2 repeats, inner 3-fold")
    assert set(png) == {"janus_mae_by_model.png", "janus_parity.png"}
    assert set(svg) == {"janus_mae_by_model.svg", "janus_parity.svg"}
    assert selection is results  # what prediction chooses its model from


def test_the_pipeline_names_the_task_and_foreign_tables_are_refused():
    import pytest

    from atomdl.pipelines.model_selection import create_pipeline

    names = {node.name for node in create_pipeline().nodes}
    assert names == {
        f"model_selection.{step}_{task}_{what}"
        for task in ("janus", "expt_gap")
        for step, what in (("select", "models"), ("tabulate", "selection"),
                           ("draw", "selection_figures"), ("log", "selection_runs"))
    }  # fmt: skip
    with pytest.raises(ValueError, match="feature tables of task 'janus' expected"):
        select_models({"janus__atom_dl": _table(3), "other__magpie": _table(3)}, OPTIONS, "janus")


def test_a_task_can_leave_the_paper_protocol_out():
    options = {
        **OPTIONS,
        "tasks": {"janus": {**OPTIONS["tasks"]["janus"], "paper_protocol": False}},
    }
    results, folds, *_ = select_models({"janus__atom_dl": _table(3)}, options, task="janus")
    assert results["protocol"].tolist() == ["nested", "nested"]
    assert len(folds) == 2 * 4 * 2
