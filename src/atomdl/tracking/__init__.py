"""Every MLflow call of the project, one module per job (imported by module path; nothing
heavy is imported here, so ``import atomdl.tracking`` costs nothing at ``kedro`` start-up).

* ``mlflow_io``: the general writes the catalog's datasets make on save (a run record of params,
  tags and metrics; saved files as artifacts), and the run bookkeeping the hooks and the CLI
  need (is a run active, end the runs this process left open).
* ``pretraining``: the encoder's training run: its epoch metrics and run record.
* ``selection``: model selection's nested runs, one per task x representation x model.
* ``embedding``: the embedding analysis's scores.
* ``dead_runs``: each run tagged with its process; the runs of processes that died without a
  word (``kill -9``) closed by the next run, nested runs with them.
* ``store``: the project's ``mlflow.db`` checked before MLflow opens it, and a copied project's
  artifact locations rebased onto its own ``mlruns/`` (plain sqlite3).

Without an active MLflow run nothing is written: a notebook that loads the catalog opens no run.
"""
