"""Project settings: hooks and configuration loading."""

import os
import warnings
from importlib.metadata import version

from kedro_mlflow.framework.hooks import MlflowHook
from omegaconf.resolvers import oc

import atomdl
from atomdl.config import LayeredConfigLoader
from atomdl.hooks import (
    CloseMlflowRunHooks,
    KeepCheckpointHooks,
    MlflowStoreHooks,
    RequireInputsHooks,
    ValidateParametersHooks,
    VersionSetHooks,
    WritableOutputsHooks,
)

# Telemetry off unless a user turns it on: nothing should wait for a network. Kedro's own
# opt-out is the committed `.telemetry` file; MLflow reads this variable.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

# Third-party deprecation chatter that users can do nothing about (omegaconf via kedro and
# kedro-mlflow).
warnings.filterwarnings("ignore", message="register_new_resolver")

# kedro-mlflow is registered here rather than by its entry point so that hook order is ours.
# pluggy calls the last registered first: bad parameters and missing inputs are reported
# before kedro-mlflow opens an MLflow run, the store is checked before kedro-mlflow opens it,
# and the run closer and the checkpoint remover act after kedro-mlflow's own start and end of run.
DISABLE_HOOKS_FOR_PLUGINS = ("kedro_mlflow",)
_MLFLOW_HOOK = MlflowHook()
HOOKS = (
    CloseMlflowRunHooks(_MLFLOW_HOOK),  # tags kedro-mlflow's run, closes dead runs, ends its own
    KeepCheckpointHooks(),  # removes a checkpoint after kedro-mlflow has ended its run
    _MLFLOW_HOOK,
    MlflowStoreHooks(),  # refuses a corrupt mlflow.db, rebases a copy's, before kedro-mlflow
    VersionSetHooks(),
    RequireInputsHooks(),
    WritableOutputsHooks(),  # after the inputs' check in this list: called before it
    ValidateParametersHooks(),
)

CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # conf/cpu overrides single keys of a pipeline's parameters, not the whole block.
    "merge_strategy": {"parameters": "soft"},
    # `${oc.env:MLFLOW_TRACKING_URI,...}` in mlflow.yml lets the environment pick the store;
    # the catalog's MLflow encoder model bundles this package and pins what it needs.
    "custom_resolvers": {
        "oc.env": oc.env,
        "atomdl.package_dir": lambda: os.path.dirname(atomdl.__file__),
        "atomdl.requirement": lambda name: f"{name}=={version(name).split('+')[0]}",
    },
}

# conf/base, then the --env folder, then conf/local under every --env (Kedro's own loader
# leaves conf/local out when --env is given); YAML mistakes as one-line errors.
CONFIG_LOADER_CLASS = LayeredConfigLoader
