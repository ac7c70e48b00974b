"""The catalog's layers: kedro viz draws them only when they form no cycle."""

from __future__ import annotations

from contextlib import contextmanager
from graphlib import CycleError, TopologicalSorter

import pytest

#: The order kedro viz draws (docs/architecture.md): pretraining's stage, the downstream one,
#: then model selection's choice and the predictions made with it.
EXPECTED_ORDER = [
    "raw", "intermediate", "primary", "model_input", "models", "model_output", "feature",
    "selection", "prediction", "reporting",
]  # fmt: skip


def layer_order(pipeline, layer_of: dict[str, str | None]) -> list[str]:
    """The layers in the order kedro viz computes (a layer depends on every layer upstream of
    it, through datasets and nodes without a layer too); raises CycleError on a cycle."""
    downstream: dict[str, set[str]] = {}  # dataset -> datasets that depend on it
    for node in pipeline.nodes:
        for name in node.inputs:
            downstream.setdefault(name, set()).update(node.outputs)
    upstream_layers: dict[str, set[str]] = {}

    def reach(name: str, seen: set[str]) -> set[str]:
        found = set()
        for child in downstream.get(name, ()):
            if child in seen:
                continue
            seen.add(child)
            if layer_of.get(child):
                found.add(layer_of[child])
            found |= reach(child, seen)
        return found

    for name, layer in layer_of.items():
        if layer:
            upstream_layers.setdefault(layer, set())
            for child_layer in reach(name, {name}) - {layer}:
                upstream_layers.setdefault(child_layer, set()).add(layer)
    order = list(TopologicalSorter(upstream_layers).static_order())
    return sorted(order, key=lambda layer: (order.index(layer), layer))


@contextmanager
def project_catalog(env: str | None = None):
    """The project's catalog in a configuration environment (None: conf/base + local)."""
    import os

    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    from tests.conftest import PROJECT_ROOT

    cwd = os.getcwd()
    os.chdir(PROJECT_ROOT)
    try:
        bootstrap_project(PROJECT_ROOT)
        with KedroSession.create(project_path=PROJECT_ROOT, env=env) as session:
            yield session.load_context().catalog
    finally:
        os.chdir(cwd)


@pytest.fixture(scope="module")
def registered(tmp_path_factory):
    from kedro.framework.project import pipelines

    with project_catalog() as catalog:
        everything = {name: pipelines[name] for name in pipelines}
        names = set().union(*(p.datasets() for p in everything.values()))
        layers = {}
        for name in names:
            if name.startswith("params:") or name == "parameters":
                continue
            metadata = getattr(catalog.get(name), "metadata", None) or {}
            layers[name] = metadata.get("kedro-viz", {}).get("layer")
    return everything, layers


def test_every_registered_pipeline_has_layers_without_a_cycle(registered):
    pipelines, layers = registered
    for name, pipeline in pipelines.items():
        order = layer_order(pipeline, {d: layers.get(d) for d in pipeline.datasets()})
        assert set(order) <= set(EXPECTED_ORDER), name
    everything = pipelines["__default__"] + pipelines["janus"]
    assert layer_order(everything, layers) == EXPECTED_ORDER


def test_every_dataset_has_a_layer_and_reports_feed_only_reports(registered):
    pipelines, layers = registered
    assert sorted(d for d, layer in layers.items() if layer is None) == []
    for node in pipelines["__default__"].nodes + pipelines["release"].nodes:
        if any(layers.get(i) == "reporting" for i in node.inputs):
            assert {layers[o] for o in node.outputs} == {"reporting"}, node.name


def test_a_reporting_table_read_back_upstream_is_caught():
    from kedro.pipeline import Node, Pipeline

    def f(x):
        return x

    pipeline = Pipeline([
        Node(f, "primary_a", "reporting_summary", name="summarise"),
        Node(f, "reporting_summary", "feature_b", name="featurize"),
        Node(f, "feature_b", "reporting_c", name="report"),
    ])  # fmt: skip
    layers = {"primary_a": "primary", "reporting_summary": "reporting", "feature_b": "feature",
              "reporting_c": "reporting"}  # fmt: skip
    with pytest.raises(CycleError):
        layer_order(pipeline, layers)


def _filepaths(env: str | None, names: list[str]) -> dict[str, str]:
    with project_catalog(env) as catalog:
        return {name: str(catalog.get(name)._describe()["filepath"]) for name in names}


class _Written:
    """The files a task's selection nodes write (its comparison stays in memory)."""

    def __init__(self, nodes):
        self.outputs = [o for n in nodes for o in n.outputs if not o.endswith("_comparison")]


def test_matbench_folds_write_beside_the_25_fold_outputs_never_over_them():
    from atomdl.pipelines.model_selection.pipeline import create_pipeline

    # both tasks' nodes, whether or not the C2DB export is there (the registry drops Janus's)
    nodes = create_pipeline().nodes
    expt_gap, janus = (
        _Written([n for n in nodes if "_expt_gap_" in n.name]),
        _Written([n for n in nodes if "_janus_" in n.name]),
    )
    base = _filepaths(None, expt_gap.outputs + janus.outputs)
    matbench = _filepaths("matbench", expt_gap.outputs + janus.outputs)
    for name in expt_gap.outputs:  # every output of the expt_gap selection, prediction's input too
        assert matbench[name] != base[name] and "expt_gap_matbench_" in matbench[name], name
    assert len(set(matbench[n] for n in expt_gap.outputs)) == len(expt_gap.outputs)
    assert all(matbench[name] == base[name] for name in janus.outputs)  # Janus is untouched


def test_every_stage_is_a_modular_pipeline_that_kedro_viz_collapses(registered):
    pipelines, _ = registered
    stages = ["ingestion", "pretraining", "representations", "embedding_analysis",
              "featurization", "model_selection", "prediction"]  # fmt: skip
    for stage in stages:
        assert {node.namespace for node in pipelines[stage].nodes} == {stage}, stage
    assert {node.namespace for node in pipelines["release"].nodes} == {"pretraining"}
    # the namespace groups nodes only: datasets keep their catalog names across stages
    datasets = [d for d in pipelines["__default__"].datasets() if not d.startswith("params:")]
    assert datasets and not any("." in name for name in datasets)
