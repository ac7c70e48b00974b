"""The embedding scores reach MLflow as ``<metric>.<representation>``, finite ones only."""

import numpy as np
import pandas as pd

from atomdl.tracking.embedding import embedding_scores


def test_only_the_finite_headline_scores_are_logged_per_representation():
    metrics = pd.DataFrame(
        {
            "representation": ["atom_dl", "one_hot"],
            "dim": [16, 103],
            "nn_same_group": [0.8, 0.1],
            "cluster_ari": [0.5, 0.0],
            "pc1_valence_abs_spearman": [0.9, np.nan],
            "mantel_r_vs_atom_dl": [1.0, np.nan],
            "mantel_p": [0.001, np.nan],
        }
    )
    scores = embedding_scores(metrics)
    assert scores["nn_same_group.atom_dl"] == {"value": 0.8, "step": 0}
    assert scores["mantel_r_vs_atom_dl.atom_dl"] == {"value": 1.0, "step": 0}
    assert "pc1_valence_abs_spearman.one_hot" not in scores  # NaN is not a metric
    assert not any(k.startswith(("dim.", "mantel_p.")) for k in scores)
