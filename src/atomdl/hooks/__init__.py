"""The project's Kedro hooks, one module per job (``settings.HOOKS`` registers them in order).

* ``parameters``: refuse parameters the project cannot run with, before anything else.
* ``inputs``: refuse, before any work starts, a run whose inputs do not exist: a file users
  supply (where to get it), or a dataset that another pipeline makes (which one, and the command).
* ``outputs``: refuse, before any work starts, a run that could not save its outputs (a folder
  it may not write into, a file where a folder should be), naming the place and what to do.
* ``checkpoints``: keep a finished pretraining's checkpoint until the whole run has saved its
  outputs and its MLflow record, so an interruption while saving costs no retraining.
* ``version_sets``: read outputs saved together (encoder, vectors, history) at the newest
  version all of them have, never an interrupted save mixed with an older run's files.
* ``mlflow_runs``: leave no MLflow run open after a Kedro run (kedro-mlflow 2.0.3 stacks its run
  once per node under MLflow 3 and closes it once), and close at the start of a run the runs of
  processes that died without a word (``kill -9``), nested runs included.
* ``mlflow_store``: refuse a corrupt ``mlflow.db`` in one line, and rebase a copied project's
  artifact locations onto its own ``mlruns/``, before kedro-mlflow opens the store.
"""

from atomdl.hooks.checkpoints import KeepCheckpointHooks
from atomdl.hooks.inputs import USER_SUPPLIED, RequireInputsHooks
from atomdl.hooks.mlflow_runs import CloseMlflowRunHooks
from atomdl.hooks.mlflow_store import MlflowStoreHooks
from atomdl.hooks.outputs import WritableOutputsHooks
from atomdl.hooks.parameters import ValidateParametersHooks
from atomdl.hooks.version_sets import VersionSetHooks

__all__ = [
    "USER_SUPPLIED",
    "CloseMlflowRunHooks",
    "KeepCheckpointHooks",
    "MlflowStoreHooks",
    "RequireInputsHooks",
    "ValidateParametersHooks",
    "VersionSetHooks",
    "WritableOutputsHooks",
]
