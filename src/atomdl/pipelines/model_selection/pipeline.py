"""model_selection: RF / KRR / SVR and a mean baseline under nested CV, per task."""

from functools import partial, update_wrapper

from kedro.pipeline import Node, Pipeline

from atomdl.pipelines.ingestion.pipeline import JANUS_TAG
from atomdl.pipelines.model_selection import nodes


def _for(function, task: str):
    return update_wrapper(partial(function, task=task), function)


def _task(task: str, tags: list[str]) -> list[Node]:
    comparison = f"selection_{task}_comparison"
    return [
        Node(_for(nodes.select_models, task), [f"feature_{task}_tables", "params:model_selection"],
             comparison, name=f"select_{task}_models", tags=tags),
        Node(_for(nodes.selection_tables, task), comparison,
             [f"reporting_{task}_cv_results", f"reporting_{task}_cv_folds",
              f"reporting_{task}_oof_predictions", f"reporting_{task}_cv_results_markdown",
              f"selection_{task}_results"],
             name=f"tabulate_{task}_selection", tags=tags),
        Node(_for(nodes.selection_figures, task), comparison,
             [f"reporting_{task}_model_selection_figures_png",
              f"reporting_{task}_model_selection_figures_svg"],
             name=f"draw_{task}_selection_figures", tags=tags),
        Node(_for(nodes.log_selection_runs, task), [comparison, "params:model_selection"], None,
             name=f"log_{task}_selection_runs", tags=tags),
    ]  # fmt: skip


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [*_task("janus", [JANUS_TAG]), *_task("expt_gap", [])],
        namespace="model_selection",
        prefix_datasets_with_namespace=False,  # catalog names stay as they are
    )
