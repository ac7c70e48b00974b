"""Typed models of the project's parameter files (``conf/*/parameters_<pipeline>.yml``).

``validate_parameters(params)`` checks every block it knows before any data is loaded or any
MLflow run is opened (``atomdl.hooks``), and raises :class:`BadParametersError` with one line per
problem, naming the parameter, its value and what is allowed. ``parameter_models`` returns the
validated blocks. A node takes its ``params:<block>`` input as the plain dict and builds the
block's model on its first line (``Source.model_validate(options)``), defaults filled in, so it
reads ``options.inner_splits`` and no default is restated with ``.get(key, default)``. The dict,
not a model-annotated argument: Kedro would build the model before the hooks run, and
kedro-mlflow would then log the model's repr instead of the flat parameter keys.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    ValidationError,
    field_validator,
    model_validator,
)

from atomdl.errors import BadParametersError
from atomdl.models.registry import MODEL_NAMES
from atomdl.pretraining.config import EncoderConfig, TrainingConfig, defaults

__all__ = [
    "BadParametersError",
    "AMOUNTS_NAME",
    "EXTRA_RELEASES",
    "MODEL_NAMES",
    "PUBLISHED_NAMES",
    "made_representations",
    "parameter_models",
    "validate_parameters",
]

#: atomdl.representations.PUBLISHED, named here so that validation does not import
#: ElementEmbeddings (tests keep them equal); model names come from the registry, which imports
#: nothing heavy.
PUBLISHED_NAMES = ("magpie", "mat2vec", "megnet16", "skipatom", "oliynyk")
#: atomdl.pretraining.release.RELEASES but the paper's, which is always there as ``atom_dl``
EXTRA_RELEASES = ("property_aware",)
#: atomdl.features.AMOUNTS_TABLE: the results' name of the element amounts that the
#: fine-tuned encoder reads instead of a representation
AMOUNTS_NAME = "composition"
#: atomdl.features.PROPERTIES_SUFFIX: a representation's table with the predicted properties
PROPERTIES_SUFFIX = "+oqmd"

Fraction = Annotated[float, Field(ge=0.0, lt=1.0)]
#: the DFT targets the OQMD corpus carries per formula (the property heads' choices)
OqmdProperty = Literal[
    "formation_enthalpy_ev_per_atom", "band_gap_ev", "energy_per_atom_ev", "volume_per_atom_a3"
]


_ENCODER, _TRAINING = defaults(EncoderConfig), defaults(TrainingConfig)


class _Block(BaseModel):
    # a misspelt key is an error, not ignored; a node cannot change what the next one reads
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Block):
    max_atoms_per_formula: PositiveInt | None = None
    integer_amounts: bool = False


class Ingestion(_Block):
    oqmd: Source
    expt_gap: Source


class _Encoder(_Block):
    # defaults: atomdl.pretraining.config.EncoderConfig's (one place for each)
    embedding_dim: PositiveInt = _ENCODER["embedding_dim"]
    n_layers: PositiveInt = _ENCODER["n_layers"]
    n_heads: PositiveInt = _ENCODER["n_heads"]
    feedforward_dim: PositiveInt = _ENCODER["feedforward_dim"]
    dropout: Fraction = _ENCODER["dropout"]
    attention_dropout: Fraction = _ENCODER["attention_dropout"]

    @model_validator(mode="after")
    def _heads_divide_width(self):
        if self.embedding_dim % self.n_heads:
            raise ValueError(
                f"embedding_dim {self.embedding_dim} must be divisible by n_heads {self.n_heads}"
            )
        return self


class _Training(_Block):
    # defaults: atomdl.pretraining.config.TrainingConfig's (one place for each)
    epochs: PositiveInt = _TRAINING["epochs"]
    batch_size: PositiveInt = _TRAINING["batch_size"]
    learning_rate: PositiveFloat = _TRAINING["learning_rate"]
    weight_decay: NonNegativeFloat = _TRAINING["weight_decay"]
    warmup_fraction: Annotated[float, Field(ge=0.0, le=1.0)] = _TRAINING["warmup_fraction"]
    max_grad_norm: PositiveFloat = _TRAINING["max_grad_norm"]
    validation_fraction: Annotated[float, Field(gt=0.0, lt=1.0)] = _TRAINING["validation_fraction"]
    bucket_batches: PositiveInt = _TRAINING["bucket_batches"]
    seed: NonNegativeInt = _TRAINING["seed"]
    device: Annotated[str, Field(pattern=r"^(auto|cpu|cuda(:\d+)?)$")] = _TRAINING["device"]
    compile: bool = _TRAINING["compile"]
    # property-aware pretraining (docs/pretraining.md): loss weight per OQMD property
    property_weights: dict[OqmdProperty, NonNegativeFloat] = _TRAINING["property_weights"]


class _Distributed(_Block):
    nproc_per_node: PositiveInt | Literal["auto"] = 1


class Pretraining(_Block):
    max_formulas: PositiveInt | None = None
    checkpoint_dir: str | None = None
    progress_bar: bool = True
    encoder: _Encoder = _Encoder()
    training: _Training = _Training()
    distributed: _Distributed = _Distributed()


class _Atom2Vec(_Block):
    dim: PositiveInt = 20
    normalize_rows: bool = True


class _Random(_Block):
    dim: PositiveInt = 16
    seed: NonNegativeInt = 0


class Representations(_Block):
    published: list[Literal[PUBLISHED_NAMES]] = list(PUBLISHED_NAMES)
    releases: list[Literal[EXTRA_RELEASES]] = []
    atom2vec: _Atom2Vec = _Atom2Vec()
    random: _Random = _Random()


class _Pca(_Block):
    components: PositiveInt = 4
    standardize: bool = True


class EmbeddingAnalysis(_Block):
    reference: str = "atom_dl"
    # linkages defined for cosine distances (ward, centroid and median need Euclidean ones)
    linkage: Literal["average", "complete", "single", "weighted"] = "average"
    pca: _Pca = _Pca()
    zscored: list[str] = []
    mantel_permutations: NonNegativeInt = 999
    seed: NonNegativeInt = 0


class _Janus(_Block):
    target: str = "band_gap"
    only_with_gap: bool = True


class Featurization(_Block):
    representations: list[str] | None = None
    # representations that also get a table with the property-aware encoder's predicted OQMD
    # properties beside their features: <name>+oqmd (atomdl.features.WithPredictedProperties)
    predicted_properties: list[str] = []
    fine_tuning_input: bool = True  # also the composition table the fine-tuned encoder reads
    janus: _Janus = _Janus()


class _Outer(_Block):
    # materials: repeated K-fold over material ids; matbench: Matbench v0.1's five folds (splits,
    # repeats and seed do not apply), for tasks whose ids are dataset rows (expt_gap)
    scheme: Literal["materials", "matbench"] = "materials"
    splits: Annotated[int, Field(ge=2)] = 5
    repeats: PositiveInt = 1
    seed: NonNegativeInt = 0
    matbench_rows: PositiveInt = 4604


Grid = dict[str, list[Any]]


class _Task(_Block):
    max_materials: Annotated[int, Field(ge=10)] | None = None
    models: list[Literal[MODEL_NAMES]] | None = (
        None  # this task's models; None: model_selection.models
    )
    outer: _Outer = _Outer()
    paper_protocol: bool = True  # the paper's optimistic protocol beside nested CV
    grids: dict[Literal[MODEL_NAMES], Grid | list[Grid]] = {}


class _Parallel(_Block):
    backend: Literal["processes", "dask"] = "processes"
    n_jobs: int = 1
    address: str | None = None

    @field_validator("n_jobs")
    @classmethod
    def _workers(cls, value: int) -> int:
        if value == 0 or value < -1:
            raise ValueError("n_jobs must be a positive number of processes, or -1 for all cores")
        return value

    @model_validator(mode="after")
    def _address_for_dask(self):
        if self.address and self.backend != "dask":
            raise ValueError(f"address {self.address!r} is for backend: dask")
        return self


class ModelSelection(_Block):
    reference: str = "atom_dl"
    models: list[Literal[MODEL_NAMES]] = list(MODEL_NAMES)
    inner_splits: Annotated[int, Field(ge=2)] = 5
    parallel: _Parallel = _Parallel()
    unit_cache: str | None = None
    log_models: bool = True
    tasks: dict[Literal["janus", "expt_gap"], _Task] = {}


class _PredictionChoice(_Block):
    # a representation's name, or the best nested-CV row's (checked against the representations
    # the pipelines make, with the other blocks: _prediction_problems)
    representation: str = "best"
    # the mean predictor is a baseline, never a row to predict with (atomdl.prediction.best_row)
    model: Literal["best", *(name for name in MODEL_NAMES if name != "mean")] = "best"
    # this task's refits for the spread and the interval (null: the block's); all: one per
    # training material (jackknife+), whose interval is not widened by refits on less data
    uncertainty_folds: Annotated[int, Field(ge=2)] | Literal["all"] | None = None


class _ClassifierCV(_Block):
    splits: Annotated[int, Field(ge=2)] = 5
    repeats: PositiveInt = 5
    seed: NonNegativeInt = 0


class _Screening(_Block):
    metals: list[str] | None = None  # None: the d block of periods 4-6
    outer: list[str]
    prototypes: list[Literal["2H", "1T"]]
    classifier_cv: _ClassifierCV = _ClassifierCV()


class Prediction(_Block):
    tasks: dict[Literal["janus", "expt_gap"], _PredictionChoice] = {}
    uncertainty_folds: Annotated[int, Field(ge=2)] = 5
    seed: NonNegativeInt = 0
    janus_classifier_grid: Grid = {}
    janus_screening: _Screening
    chunk_size: Annotated[int, Field(ge=1)] | None = 10_000  # rows predicted at a time
    interval_coverage: Annotated[float, Field(gt=0, lt=1)] = 0.9  # of the prediction interval


#: The parameter blocks checked, by their top-level key.
BLOCKS: dict[str, type[_Block]] = {
    "ingestion": Ingestion,
    "pretraining": Pretraining,
    "representations": Representations,
    "embedding_analysis": EmbeddingAnalysis,
    "featurization": Featurization,
    "model_selection": ModelSelection,
    "prediction": Prediction,
}


def parameter_models(params: dict[str, Any]) -> dict[str, _Block]:
    """Every known block of ``params`` as its validated model; raise BadParametersError listing
    each problem."""
    problems, models = [], {}
    for block, model in BLOCKS.items():
        if block not in params:
            continue
        try:
            models[block] = model.model_validate(params[block])
        except ValidationError as error:
            problems += [_line(block, e) for e in error.errors()]
    if not problems:
        problems = _featurization_problems(models) + _prediction_problems(models)
    if problems:
        raise BadParametersError(
            "Bad parameters (conf/*/parameters_*.yml or --params):\n" + "\n".join(problems)
        )
    return models


def made_representations(representations: Representations) -> list[str]:
    """The names of the element representations the representations pipeline makes with these
    parameters (``atomdl.pipelines.representations``); ``atom2vec_original`` when the user
    supplied its vectors."""
    return [
        "atom_dl",
        *(f"atom_dl_{release}" for release in representations.releases),
        "atom2vec",
        "atom2vec_original",
        *representations.published,
        "one_hot",
        "random",
    ]


def _block(models: dict[str, _Block], name: str) -> _Block:
    """A validated block, or its defaults where the parameters leave it out."""
    return models.get(name) or BLOCKS[name].model_validate({})


def _featurized(models: dict[str, _Block]) -> list[str]:
    """What model selection can score: the featurized representations, then the amounts."""
    featurization = _block(models, "featurization")
    made = made_representations(_block(models, "representations"))
    names = made if featurization.representations is None else featurization.representations
    names = [*names, *(f"{n}{PROPERTIES_SUFFIX}" for n in featurization.predicted_properties)]
    return [*names, AMOUNTS_NAME] if featurization.fine_tuning_input else list(names)


def _featurization_problems(models: dict[str, _Block]) -> list[str]:
    if "featurization" not in models:
        return []
    made = made_representations(_block(models, "representations"))
    featurization = models["featurization"]
    return [
        f"featurization.{key}: {name!r} is not a representation the representations "
        f"pipeline makes; allowed: {', '.join(made)}"
        for key, names in (("representations", featurization.representations or []),
                           ("predicted_properties", featurization.predicted_properties))
        for name in names
        if name not in made
    ]  # fmt: skip


def _prediction_problems(models: dict[str, _Block]) -> list[str]:
    """Each task's representation and model, against what featurization and model selection
    make with the same parameters, so a misspelt name fails before any work."""
    from atomdl.models.registry import MODELS

    if "prediction" not in models:
        return []
    selection, problems = _block(models, "model_selection"), []
    for task, choice in models["prediction"].tasks.items():
        where = f"prediction.tasks.{task}"
        allowed = ["best", *_featurized(models)]
        if choice.representation not in allowed:
            problems.append(
                f"{where}.representation = {choice.representation!r}: not a representation "
                f"that featurization makes; allowed: {', '.join(allowed)}"
            )
            continue
        scored = selection.tasks[task].models if task in selection.tasks else None
        scored = [m for m in scored or selection.models if m != "mean"]
        if choice.model != "best" and choice.model not in scored:
            problems.append(
                f"{where}.model = {choice.model!r}: not a model that model selection scores for "
                f"{task}; allowed: best, {', '.join(scored)}"
            )
            continue
        if choice.model != "best" and choice.representation != "best":
            amounts = MODELS[choice.model].reads == "amounts"
            if amounts != (choice.representation == AMOUNTS_NAME):
                needs = f"representation {AMOUNTS_NAME}" if amounts else "a representation"
                problems.append(
                    f"{where}: model {choice.model!r} reads {needs}, not "
                    f"{choice.representation!r}; name one it reads, or best"
                )
    return problems


def validate_parameters(params: dict[str, Any]) -> None:
    """Check every known block of ``params``; raise BadParametersError listing each problem."""
    parameter_models(params)


def _line(block: str, error: dict) -> str:
    location = ".".join(str(part) for part in (block, *error["loc"]))
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return f"{location}: not a known parameter (misspelt?)"
    if error["type"] == "missing":
        return f"{location}: missing"
    return f"{location} = {error['input']!r}: {message}"
