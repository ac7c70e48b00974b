"""Project settings: hooks and configuration loading."""

import warnings

from kedro_mlflow.framework.hooks import MlflowHook
from omegaconf.resolvers import oc

from atomdl.hooks import RequireUserDataHooks

# Third-party deprecation chatter that users can do nothing about (omegaconf via kedro and
# kedro-mlflow; an mlflow pyfunc hint kedro-mlflow triggers on import).
warnings.filterwarnings("ignore", message="register_new_resolver")
warnings.filterwarnings("ignore", message="Add type hints to the `predict` method")

# kedro-mlflow is registered here rather than by its entry point so that hook order is ours:
# pluggy calls the last registered first, so a missing C2DB export is reported before
# kedro-mlflow opens an MLflow run for a pipeline that will not start.
DISABLE_HOOKS_FOR_PLUGINS = ("kedro_mlflow",)
HOOKS = (MlflowHook(), RequireUserDataHooks())

CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # `${oc.env:MLFLOW_TRACKING_URI,...}` in mlflow.yml lets the environment pick the store.
    "custom_resolvers": {"oc.env": oc.env},
}
