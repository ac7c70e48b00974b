"""model_selection: RF / KRR / SVR and a mean baseline under nested CV, per task."""

from functools import partial, update_wrapper

from kedro.pipeline import Node, Pipeline

from atomdl.pipelines.ingestion.pipeline import JANUS_TAG
from atomdl.pipelines.model_selection import nodes


def _task(task: str, tags: list[str]) -> Node:
    return Node(
        update_wrapper(partial(nodes.select_models, task=task), nodes.select_models),
        inputs=[f"feature_{task}_tables", "params:model_selection"],
        outputs=[
            f"reporting_{task}_cv_results",
            f"reporting_{task}_cv_folds",
            f"reporting_{task}_oof_predictions",
            f"reporting_{task}_cv_results_markdown",
            f"reporting_{task}_model_selection_figures_png",
            f"reporting_{task}_model_selection_figures_svg",
            f"selection_{task}_results",
        ],
        name=f"select_{task}_models",
        tags=tags,
    )


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [_task("janus", [JANUS_TAG]), _task("expt_gap", [])],
        namespace="model_selection",
        prefix_datasets_with_namespace=False,  # catalog names stay as they are
    )
