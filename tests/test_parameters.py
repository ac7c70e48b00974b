"""Parameters are checked against typed models before any work: one line per problem."""

from __future__ import annotations

import pytest

from atomdl.errors import BadParametersError
from atomdl.parameters import EXTRA_RELEASES, MODEL_NAMES, PUBLISHED_NAMES, validate_parameters
from tests.conftest import EMBEDDED, PROJECT_ROOT

ENVIRONMENTS = sorted(
    d.name
    for d in (PROJECT_ROOT / "conf").iterdir()
    if d.is_dir() and d.name not in {"base", "local"}
)


def test_every_environment_is_checked():
    assert {"cpu", "matbench", "property_aware"} <= set(ENVIRONMENTS)


@pytest.mark.parametrize("env", [None, *ENVIRONMENTS])
def test_the_committed_parameters_are_valid(env):
    from kedro.config import OmegaConfigLoader

    from atomdl.settings import CONFIG_LOADER_ARGS

    loader = OmegaConfigLoader(str(PROJECT_ROOT / "conf"), env=env or "base", **CONFIG_LOADER_ARGS)
    params = loader["parameters"]
    assert {"ingestion", "pretraining", "model_selection"} <= params.keys()
    validate_parameters(params)


@pytest.mark.parametrize(
    ("params", "line"),
    [
        (
            {"pretraining": {"training": {"epochs": "abc"}}},
            "pretraining.training.epochs = 'abc': Input should be a valid integer, unable to "
            "parse string as an integer",
        ),
        (
            {"pretraining": {"training": {"batch_size": -256}}},
            "pretraining.training.batch_size = -256: Input should be greater than 0",
        ),
        (
            {"pretraining": {"training": {"epochs": 0}}},
            "pretraining.training.epochs = 0: Input should be greater than 0",
        ),
        (
            {"ingestion": {"oqmd": {"max_atoms_per_formula": "thirty"}, "expt_gap": {}}},
            "ingestion.oqmd.max_atoms_per_formula = 'thirty': Input should be a valid integer, "
            "unable to parse string as an integer",
        ),
        (
            {"ingestion": {"oqmd": {"max_atoms_per_formula": -5}, "expt_gap": {}}},
            "ingestion.oqmd.max_atoms_per_formula = -5: Input should be greater than 0",
        ),
        (
            {"pretraining": {"encoder": {"n_heads": 3}}},
            "pretraining.encoder = {'n_heads': 3}: embedding_dim 16 must be divisible by n_heads 3",
        ),
        (
            {"pretraining": {"trainng": {"epochs": 3}}},
            "pretraining.trainng: not a known parameter (misspelt?)",
        ),
        (
            {"model_selection": {"models": ["rf", "xgb"]}},
            "model_selection.models.1 = 'xgb': Input should be 'mean', 'rf', 'krr', 'svr', 'hgb', "
            "'two_stage', 'gated_hgb', 'finetune_paper', 'finetune_property_aware' or "
            "'finetune_random'",
        ),
        (
            {"model_selection": {"parallel": {"n_jobs": 0}}},
            "model_selection.parallel.n_jobs = 0: n_jobs must be a positive number of processes, "
            "or -1 for all cores",
        ),
        (
            {"model_selection": {"parallel": {"backend": "ray"}}},
            "model_selection.parallel.backend = 'ray': Input should be 'processes' or 'dask'",
        ),
        (
            {"representations": {"published": ["magpie", "word2vec"]}},
            "representations.published.1 = 'word2vec': Input should be 'magpie', 'mat2vec', "
            "'megnet16', 'skipatom' or 'oliynyk'",
        ),
        (
            {"embedding_analysis": {"linkage": "ward"}},
            "embedding_analysis.linkage = 'ward': Input should be 'average', 'complete', "
            "'single' or 'weighted'",
        ),
    ],
)
def test_a_bad_parameter_is_named_with_its_value_and_what_is_allowed(params, line):
    with pytest.raises(BadParametersError) as caught:
        validate_parameters(params)
    assert str(caught.value).splitlines()[1:] == [line]


def test_the_names_checked_are_the_library_s():
    from atomdl.models.registry import MODELS
    from atomdl.pretraining.release import RELEASES
    from atomdl.representations import PUBLISHED

    assert MODEL_NAMES == tuple(MODELS) and PUBLISHED_NAMES == tuple(PUBLISHED)
    assert ("paper", *EXTRA_RELEASES) == tuple(RELEASES)


def test_a_run_with_bad_parameters_stops_before_loading_data_or_opening_a_run(make_project):
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    raw = ("oqmd_formulas.csv.gz", "matbench_expt_gap.csv")
    project = make_project({name: EMBEDDED / name for name in raw})
    bootstrap_project(project)
    bad = {"pretraining": {"training": {"batch_size": -256}}}
    with KedroSession.create(project_path=project, runtime_params=bad) as session:
        with pytest.raises(BadParametersError, match="batch_size = -256"):
            session.run(pipeline_names=["ingestion", "pretraining"])
    assert not any((project / "data" / "03_primary").iterdir())
    assert not (project / "mlflow.db").exists()


def test_the_validated_models_fill_in_defaults_and_cannot_be_changed():
    from kedro.config import OmegaConfigLoader

    from atomdl.parameters import ModelSelection, parameter_models
    from atomdl.settings import CONFIG_LOADER_ARGS

    loader = OmegaConfigLoader(str(PROJECT_ROOT / "conf"), env="cpu", **CONFIG_LOADER_ARGS)
    params = loader["parameters"]
    options = parameter_models(params)["model_selection"]
    assert isinstance(options, ModelSelection)
    assert options.inner_splits == params["model_selection"]["inner_splits"]
    assert options.parallel.backend == params["model_selection"].get("parallel", {}).get(
        "backend", "processes"
    )  # a default the YAML may leave out, filled in by the model
    with pytest.raises(ValueError, match="frozen"):
        options.inner_splits = 3  # a node cannot change what the next one reads


def test_no_node_annotates_a_parameter_input_with_its_model():
    """Kedro builds a pydantic-annotated parameter input into the model before the hooks see
    it, and kedro-mlflow then logs the model's repr as one param instead of the flat keys. Nodes
    take the plain dict and validate it on their first line."""
    import inspect
    import typing

    from pydantic import BaseModel

    from atomdl.pipeline_registry import register_pipelines

    checked = 0
    for node in register_pipelines()["__default__"].nodes:
        hints = typing.get_type_hints(node.func)
        names = list(inspect.signature(node.func).parameters)
        for name, dataset in zip(names, node.inputs, strict=False):
            if isinstance(dataset, str) and dataset.startswith("params:"):
                checked += 1
                hint = hints.get(name)
                assert not (inspect.isclass(hint) and issubclass(hint, BaseModel)), (
                    f"{node.name}: {name} is annotated {hint.__name__}"
                )
    assert checked >= 10


def _committed(env: str = "cpu") -> dict:
    from kedro.config import OmegaConfigLoader

    from atomdl.settings import CONFIG_LOADER_ARGS

    return OmegaConfigLoader(str(PROJECT_ROOT / "conf"), env=env, **CONFIG_LOADER_ARGS)[
        "parameters"
    ]


ALLOWED = (
    "best, atom_dl, atom_dl_property_aware, atom2vec, atom2vec_original, magpie, mat2vec, "
    "megnet16, skipatom, oliynyk, one_hot, random, composition"
)


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (
            {"prediction": {"janus": {"representation": "magpy"}}},
            "prediction.tasks.janus.representation = 'magpy': not a representation that "
            f"featurization makes; allowed: {ALLOWED}",
        ),
        (
            {"featurization": {"representations": ["magpie"]},
             "prediction": {"expt_gap": {"representation": "mat2vec"}}},
            "prediction.tasks.expt_gap.representation = 'mat2vec': not a representation that "
            "featurization makes; allowed: best, magpie, composition",
        ),
        (
            {"prediction": {"janus": {"model": "mean"}}},
            "prediction.tasks.janus.model = 'mean': Input should be 'best', 'rf', 'krr', 'svr', "
            "'hgb', 'two_stage', 'gated_hgb', 'finetune_paper', 'finetune_property_aware' or "
            "'finetune_random'",
        ),
        (
            {"model_selection": {"models": ["rf", "krr"]},
             "prediction": {"janus": {"model": "svr"}}},
            "prediction.tasks.janus.model = 'svr': not a model that model selection scores for "
            "janus; allowed: best, rf, krr",
        ),
        (
            {"prediction": {"janus": {"representation": "magpie", "model": "finetune_paper"}}},
            "prediction.tasks.janus: model 'finetune_paper' reads representation composition, not "
            "'magpie'; name one it reads, or best",
        ),
        (
            {"featurization": {"representations": ["magpie", "megnet"]}},
            "featurization.representations: 'megnet' is not a representation the representations "
            "pipeline makes; allowed: atom_dl, atom_dl_property_aware, atom2vec, "
            "atom2vec_original, magpie, mat2vec, megnet16, skipatom, oliynyk, one_hot, random",
        ),
    ],
)  # fmt: skip
def test_the_prediction_names_are_checked_with_the_other_parameters(change, line):
    params = _committed()
    for block, values in change.items():
        if block == "prediction":
            for task, choice in values.items():
                params["prediction"]["tasks"][task].update(choice)
        else:
            params[block].update(values)
            params["model_selection"]["tasks"] = {}  # the conf's own per-task model lists
    with pytest.raises(BadParametersError) as caught:
        validate_parameters(params)
    assert str(caught.value).splitlines()[1:] == [line]


def test_the_representation_names_checked_are_the_pipeline_s():
    """made_representations names what build_element_representations makes (published ones
    left out here: loading them takes seconds), and the amounts' name is featurization's."""
    import numpy as np
    import pandas as pd

    from atomdl.features import AMOUNTS_TABLE, PROPERTIES_SUFFIX
    from atomdl.parameters import AMOUNTS_NAME, Representations, made_representations
    from atomdl.parameters import PROPERTIES_SUFFIX as PARAMETERS_SUFFIX
    from atomdl.pipelines.representations.nodes import build_element_representations

    elements = ["Na", "Cl", "O", "Fe"]
    vectors = pd.DataFrame(np.eye(4), index=pd.Index(elements, name="symbol"))
    vocabulary = pd.DataFrame({"kind": "element", "token": elements})
    params = {"published": [], "releases": list(EXTRA_RELEASES)}
    made, _, _ = build_element_representations(vectors, vectors, vectors, vocabulary, params)
    assert list(made) == made_representations(Representations.model_validate(params))
    assert AMOUNTS_NAME == AMOUNTS_TABLE
    assert PARAMETERS_SUFFIX == PROPERTIES_SUFFIX
