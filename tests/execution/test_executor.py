"""Where model selection runs does not change what it finds: local processes and a real Dask
cluster (distributed.LocalCluster) give the in-process results."""

import os

import numpy as np
import pandas as pd
import pytest

from atomdl.execution.cache import UnitCache
from atomdl.execution.executor import Execution, executor
from atomdl.protocol.compare import compare_representations
from atomdl.protocol.plan import Protocol, Unit

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
    protocol = Protocol(reference="atom_dl", n_splits=5, n_repeats=2, inner_splits=3)
    return compare_representations(TABLES, ["mean", "krr", "rf"], GRIDS, protocol,
                                   Execution(**where))  # fmt: skip


@pytest.fixture(scope="module")
def in_process():
    return _compare(n_jobs=1)


def _assert_same(a, b):
    pd.testing.assert_frame_equal(a.results, b.results)
    pd.testing.assert_frame_equal(a.folds, b.folds)
    pd.testing.assert_frame_equal(a.predictions, b.predictions)


def test_local_processes_give_the_in_process_results(in_process):
    _assert_same(_compare(backend="processes", n_jobs=2), in_process)


def test_a_dask_cluster_gives_the_in_process_results(in_process, monkeypatch):
    pytest.importorskip("distributed", reason="the dask extra (pip install -e '.[dask]')")
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    _assert_same(_compare(backend="dask", n_jobs=2), in_process)
    # the nannies' OMP_NUM_THREADS=1 is not left behind for what this process starts next
    assert "OMP_NUM_THREADS" not in os.environ


def test_a_dask_scheduler_address_is_used(in_process):
    distributed = pytest.importorskip("distributed", reason="the dask extra")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                  dashboard_address=None) as cluster:  # fmt: skip
        _assert_same(_compare(backend="dask", address=cluster.scheduler_address), in_process)


def test_an_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="unknown parallel backend 'ray'"), executor("ray"):
        pass


# --- resuming from kept units (UnitCache) -------------------------------------------------

CALLS: list[int] = []


def _square(value, weights):
    CALLS.append(value)
    if value == 4 and getattr(_square, "interrupt", False):
        raise KeyboardInterrupt
    return value**2 + float(weights.sum())


def _units(weights, values=range(6)):
    return [Unit(_square, (value, weights)) for value in values]


def test_an_interrupted_run_resumes_with_the_units_it_finished(tmp_path):
    weights = np.arange(20_000, dtype=float)  # hashed by content, not identity
    CALLS.clear()
    _square.interrupt = True
    with pytest.raises(KeyboardInterrupt), executor("processes", 1, cache=tmp_path) as run:
        list(run(_units(weights)))
    assert len(list(tmp_path.glob("*.pkl"))) == 4 and not list(tmp_path.glob("*.part"))
    _square.interrupt = False
    CALLS.clear()
    with executor("processes", 1, cache=tmp_path) as run:
        resumed = list(run(_units(weights.copy())))
    assert CALLS == [4, 5]  # only what was missing
    assert resumed == [v**2 + weights.sum() for v in range(6)]
    CALLS.clear()
    with executor("processes", 1, cache=tmp_path) as run:
        assert list(run(_units(weights))) == resumed
    assert CALLS == []


def test_other_inputs_or_code_or_a_damaged_file_are_computed_again(tmp_path, caplog, monkeypatch):
    weights = np.ones(20_000)
    with executor("processes", 1, cache=tmp_path) as run:
        list(run(_units(weights, [1, 2])))
    CALLS.clear()
    with executor("processes", 1, cache=tmp_path) as run:
        changed = list(run(_units(weights * 2, [1, 2])))
    assert CALLS == [1, 2] and changed == [1 + 40_000.0, 4 + 40_000.0]
    monkeypatch.setattr(UnitCache, "code_version", classmethod(lambda cls: "edited selection code"))
    CALLS.clear()
    with executor("processes", 1, cache=tmp_path) as run:
        list(run(_units(weights, [1, 2])))
    assert CALLS == [1, 2]  # units computed by other code are not reused
    monkeypatch.undo()
    for kept in tmp_path.glob("*.pkl"):
        kept.write_bytes(b"not a pickle")
    CALLS.clear()
    with executor("processes", 1, cache=tmp_path) as run:
        assert list(run(_units(weights, [1, 2]))) == [1 + 20_000.0, 4 + 20_000.0]
    assert CALLS == [1, 2]
    assert "could not be read" in caplog.text


def test_only_fine_tuned_units_depend_on_the_fine_tuning_code_and_their_release(
    tmp_path, monkeypatch
):
    cache = UnitCache(tmp_path)
    units = [Unit(_square, (model, np.ones(3)), model=model) for model in
             ("rf", "finetune_paper", "finetune_property_aware", "finetune_random")]  # fmt: skip
    before = [cache.key(unit) for unit in units]
    assert len(set(before)) == 4
    real = UnitCache.finetuning_version
    remade = classmethod(lambda cls, start: "remade" if start == "property_aware" else real(start))
    monkeypatch.setattr(UnitCache, "finetuning_version", remade)
    after = [cache.key(unit) for unit in units]
    # a remade property-aware release recomputes only the units fine-tuned from it
    assert [a == b for a, b in zip(after, before, strict=True)] == [True, True, False, True]
    monkeypatch.setattr(UnitCache, "finetuning_version", classmethod(lambda cls, start: "new"))
    assert [cache.key(u) for u in units][0] == before[0]  # fine-tuning code: tuned units only
    assert all(cache.key(u) != b for u, b in zip(units[1:], before[1:], strict=True))
    monkeypatch.setattr(UnitCache, "code_version", classmethod(lambda cls, sources=None: "edit"))
    assert cache.key(units[0]) != before[0]


def _kept_by(code, tmp_path, monkeypatch, units):
    monkeypatch.setattr(UnitCache, "code_version", classmethod(lambda cls, sources=None: code))
    with executor("processes", 1, cache=tmp_path) as run:
        return list(run(units))


def test_units_kept_by_older_code_are_carried_after_a_check(tmp_path, monkeypatch):
    weights = np.arange(20_000, dtype=float)
    kept = _kept_by("older selection code", tmp_path, monkeypatch, _units(weights, [1, 2, 3]))
    monkeypatch.setattr(UnitCache, "code_version", classmethod(lambda cls, sources=None: "today"))
    CALLS.clear()
    counted = UnitCache(tmp_path).carry(_units(weights, [1, 2, 3, 4]), "older selection code",
                                        2, dry_run=True)  # fmt: skip
    assert counted == {"units": 4, "current": 0, "carried": 3, "absent": 1, "checked": 0}
    assert CALLS == [] and len(list(tmp_path.glob("*.pkl"))) == 3
    report = UnitCache(tmp_path).carry(_units(weights, [1, 2, 3, 4]), "older selection code", 2)
    assert report == {"units": 4, "current": 0, "carried": 3, "absent": 1, "checked": 2}
    assert len(CALLS) == 2 and set(CALLS) < {1, 2, 3}  # the sample, recomputed
    assert len(list(tmp_path.glob("*.pkl"))) == 6 and not list(tmp_path.glob("*.part"))
    CALLS.clear()
    with executor("processes", 1, cache=tmp_path) as run:
        assert list(run(_units(weights, [1, 2, 3, 4]))) == [*kept, 16 + weights.sum()]
    assert CALLS == [4]  # today's run computes only the unit nobody kept
    again = UnitCache(tmp_path).carry(_units(weights, [1, 2, 3, 4]), "older selection code", 2)
    assert again == {"units": 4, "current": 4, "carried": 0, "absent": 0, "checked": 0}


def test_nothing_is_carried_when_a_checked_unit_differs(tmp_path, monkeypatch):
    import joblib

    weights = np.ones(20_000)
    _kept_by("older selection code", tmp_path, monkeypatch, _units(weights, [1, 2]))
    for path in tmp_path.glob("*.pkl"):  # the older code computed something else
        joblib.dump(-1.0, path)
    monkeypatch.setattr(UnitCache, "code_version", classmethod(lambda cls, sources=None: "today"))
    with pytest.raises(ValueError, match="differs from today's result: nothing carried"):
        UnitCache(tmp_path).carry(_units(weights, [1, 2]), "older selection code", check=1)
    assert len(list(tmp_path.glob("*.pkl"))) == 2


def test_the_code_version_of_given_sources():
    import importlib
    import inspect

    today = [inspect.getsource(importlib.import_module(name))
             for name in UnitCache.SOURCES]  # fmt: skip
    assert UnitCache.code_version(today) == UnitCache.code_version()
    assert UnitCache.code_version([*today[:-1], today[-1] + "# an edit\n"]) != (
        UnitCache.code_version()
    )


def test_same_outcome_compares_results_exactly():
    from atomdl.execution.cache import same_outcome
    from atomdl.protocol.results import CVResult

    prediction = (np.array([0.5, np.nan]), {"model__alpha": 0.1})
    assert same_outcome(prediction, (np.array([0.5, np.nan]), {"model__alpha": 0.1}))
    # a kernel solve summed by another number of BLAS threads: the same to its last digits
    rounded = (np.array([0.5 + 5e-16, np.nan]), {"model__alpha": 0.1 + 1e-17})
    assert same_outcome(prediction, rounded)
    assert same_outcome(3.2320427982358826, 3.232042798235888)
    assert not same_outcome(prediction, (np.array([0.5 + 1e-6, np.nan]), {"model__alpha": 0.1}))
    assert not same_outcome(prediction, (np.array([0.5, 0.0]), {"model__alpha": 0.1}))
    assert not same_outcome(prediction, (np.array([0.5, np.nan]), {"model__alpha": 1.0}))
    assert not same_outcome((np.array([1, 2]),), (np.array([1, 3]),))
    assert not same_outcome({"kernel": "rbf"}, {"kernel": "poly"})
    frame = pd.DataFrame({"mae": [0.1, 0.2]})
    result = CVResult("nested", frame, frame.assign(x=1))
    assert same_outcome(result, CVResult("nested", frame.copy(), frame.assign(x=1)))
    assert not same_outcome(result, CVResult("nested", frame * 2, frame.assign(x=1)))
    assert not same_outcome(result, CVResult("paper", frame, frame.assign(x=1)))


def test_a_comparison_resumed_from_kept_units_equals_a_fresh_one(tmp_path, in_process):
    first = _compare(n_jobs=2, cache=tmp_path)
    kept = {path: path.stat().st_mtime_ns for path in tmp_path.glob("*.pkl")}
    assert len(kept) == 2 * 3 * (10 + 1)  # representations x models x (outer folds + paper)
    again = _compare(n_jobs=2, cache=tmp_path)
    assert {path: path.stat().st_mtime_ns for path in tmp_path.glob("*.pkl")} == kept  # reused
    _assert_same(first, in_process)
    _assert_same(again, in_process)


def test_units_kept_but_unreadable_are_counted_as_computed_again(tmp_path, caplog):
    weights = np.ones(10)
    with executor("processes", 1, cache=tmp_path) as run:
        list(run(_units(weights, [1, 2, 3])))
    damaged = sorted(tmp_path.glob("*.pkl"))[0]
    damaged.write_bytes(b"cut sho")
    CALLS.clear()
    caplog.set_level("INFO", logger="atomdl.execution.cache")
    with executor("processes", 1, cache=tmp_path) as run:
        assert list(run(_units(weights, [1, 2, 3]))) == [11.0, 14.0, 19.0]
    assert len(CALLS) == 1  # the damaged one alone
    assert f"2 of 3 units of work taken from {tmp_path}" in caplog.text  # not "3 of 3"
    assert f"Units kept in {tmp_path} that could not be read, computed again: 1" in caplog.text
    assert f"The unit kept in {damaged} could not be read (" in caplog.text
