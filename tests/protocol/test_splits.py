"""MaterialKFold: scikit-learn's cv= protocol over material ids."""

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyRegressor
from sklearn.model_selection import cross_val_score

from atomdl.protocol.splits import MatbenchFolds, MaterialKFold, outer_folds

IDS = np.array([f"mat-{i:03d}" for i in range(47)])


def _test_sets(splitter, ids):
    return [frozenset(ids[test]) for _, test in splitter.split(groups=ids)]


def test_every_material_is_tested_once_per_repeat_and_never_trained_on_then():
    splitter = MaterialKFold(n_splits=5, n_repeats=3, seed=2)
    splits = list(splitter.split(groups=IDS))
    assert len(splits) == splitter.get_n_splits() == 15
    for repeat in range(3):
        tested = np.concatenate([test for _, test in splits[repeat * 5 : repeat * 5 + 5]])
        assert sorted(tested) == list(range(len(IDS)))
    for train, test in splits:
        assert not set(train) & set(test) and len(train) + len(test) == len(IDS)


def test_folds_follow_the_materials_not_the_row_order():
    shuffled = np.random.default_rng(0).permutation(IDS)
    splitter = MaterialKFold(n_splits=4, n_repeats=2)
    assert _test_sets(splitter, IDS) == _test_sets(splitter, shuffled)
    assert _test_sets(MaterialKFold(4, 2, seed=1), IDS) != _test_sets(splitter, IDS)


def test_the_assignments_are_the_protocols_outer_folds():
    splitter = MaterialKFold(n_splits=5, n_repeats=2, seed=3)
    pd.testing.assert_frame_equal(splitter.assignments(IDS), outer_folds(IDS, 5, 2, 3))
    by_fold = splitter.assignments(IDS).groupby(["repeat", "fold"])["material_id"]
    assert [frozenset(v) for _, v in by_fold] == _test_sets(splitter, IDS)


def test_usable_as_cv_anywhere_in_scikit_learn():
    X, y = np.zeros((len(IDS), 1)), np.arange(len(IDS), dtype=float)
    scores = cross_val_score(DummyRegressor(), X, y, groups=IDS, cv=MaterialKFold(5, 2))
    assert len(scores) == 10


@pytest.mark.parametrize(
    ("kwargs", "ids", "message"),
    [
        ({"n_splits": 1}, IDS, "n_splits must be at least 2"),
        ({"n_repeats": 0}, IDS, "n_repeats must be at least 1"),
        ({}, None, "needs the material ids"),
        ({}, np.array(["a", "a", "b", "c", "d", "e"]), "material ids repeat"),
        ({}, np.array(["a", "b"]), "2 materials cannot make 5 folds"),
    ],
)
def test_bad_use_is_a_clear_error(kwargs, ids, message):
    with pytest.raises(ValueError, match=message):
        list(MaterialKFold(**kwargs).split(groups=ids))


def test_matbench_folds_are_the_published_ones_on_the_embedded_expt_gap():
    """The embedded file's row i is mb-expt-gap-{i+1:04d} (checked against Matbench's own
    copy, docs/model_selection.md); these are the first test ids of each fold in the results
    Matbench publishes (benchmarks/matbench_v0.1_rf/results.json.gz)."""
    from tests.conftest import EMBEDDED

    rows = pd.read_csv(EMBEDDED / "matbench_expt_gap.csv").index.astype(str)
    assigned = MatbenchFolds().assignments(rows)
    assert assigned.groupby("fold").size().tolist() == [921, 921, 921, 921, 920]
    first = {
        fold: sorted(int(i) + 1 for i in group["material_id"])[:3]
        for fold, group in assigned.groupby("fold")
    }
    assert first == {0: [8, 10, 19], 1: [3, 23, 25], 2: [1, 6, 7], 3: [2, 4, 11], 4: [5, 13, 14]}
    pd.testing.assert_frame_equal(assigned, MatbenchFolds().assignments(rows[::-1]))
    # rows set aside at ingestion keep their place: the other rows keep their folds
    fewer = MatbenchFolds().assignments(rows[10:])
    merged = fewer.merge(assigned, on="material_id", suffixes=("", "_all"))
    assert len(merged) == len(rows) - 10 and (merged["fold"] == merged["fold_all"]).all()


def test_matbench_folds_need_row_ids_within_the_dataset():
    with pytest.raises(ValueError, match="need material ids that are dataset rows"):
        MatbenchFolds().assignments(["mb-expt-gap-0001"])
    with pytest.raises(ValueError, match="row 4604 is beyond the 4604 rows"):
        MatbenchFolds().assignments(["4604"])
