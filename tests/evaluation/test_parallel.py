"""Where model selection runs does not change what it finds: local processes and a real Dask
cluster (distributed.LocalCluster) give the in-process results."""

import numpy as np
import pandas as pd
import pytest

from atomdl.evaluation.model_selection import compare_representations
from atomdl.evaluation.parallel import executor

RNG = np.random.default_rng(5)
N = 45


def _table(features):
    table = pd.DataFrame(features, columns=[f"f{i}" for i in range(features.shape[1])])
    table.insert(0, "material_id", [f"m{i:02d}" for i in range(N)])
    table.insert(1, "formula", "X")
    table.insert(2, "target", np.abs(features[:, 0] + 0.2 * RNG.normal(size=N)))
    return table


TABLES = {"atom_dl": _table(RNG.normal(size=(N, 4))), "magpie": _table(RNG.normal(size=(N, 6)))}
GRIDS = {
    "krr": [{"kernel": ["poly"], "degree": [1, 2], "alpha": [0.1, 1.0], "coef0": [1.0]}],
    "rf": {"n_estimators": [5, 15]},
}


def _compare(**where):
    return compare_representations(TABLES, ["mean", "krr", "rf"], GRIDS, reference="atom_dl",
                                   n_splits=5, n_repeats=2, inner_splits=3, **where)  # fmt: skip


@pytest.fixture(scope="module")
def in_process():
    return _compare(n_jobs=1)


def _assert_same(a, b):
    pd.testing.assert_frame_equal(a.results, b.results)
    pd.testing.assert_frame_equal(a.folds, b.folds)
    pd.testing.assert_frame_equal(a.predictions, b.predictions)


def test_local_processes_give_the_in_process_results(in_process):
    _assert_same(_compare(backend="processes", n_jobs=2), in_process)


def test_a_dask_cluster_gives_the_in_process_results(in_process):
    pytest.importorskip("distributed", reason="the dask extra (pip install -e '.[dask]')")
    _assert_same(_compare(backend="dask", n_jobs=2), in_process)


def test_a_dask_scheduler_address_is_used(in_process):
    distributed = pytest.importorskip("distributed", reason="the dask extra")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                  dashboard_address=None) as cluster:  # fmt: skip
        _assert_same(_compare(backend="dask", address=cluster.scheduler_address), in_process)


def test_an_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="unknown parallel backend 'ray'"), executor("ray"):
        pass
