"""prediction: the chosen model of each task fitted for new materials, served as an MLflow
pyfunc model, predicting the user's table; and the Janus candidate screen."""

from functools import partial, update_wrapper

from kedro.pipeline import Node, Pipeline

from atomdl.pipelines.ingestion.pipeline import JANUS_TAG
from atomdl.pipelines.prediction import nodes

#: task -> the table its materials come from (ingestion).
MATERIALS = {"expt_gap": "primary_expt_gap_compositions", "janus": "primary_janus_materials"}


def _task(task: str, tags: list[str]) -> list[Node]:
    """The user's table checked (before any fit), then the model fitted (or taken from the
    store of fitted models when kept for the same key) and the table predicted in one node,
    whose outputs after the fit are one set: all saved, or none (``VersionSetHooks``)."""
    check = update_wrapper(
        partial(nodes.check_materials_to_predict, task=task), nodes.check_materials_to_predict
    )
    predict = update_wrapper(partial(nodes.predict_task, task=task), nodes.predict_task)
    return [
        Node(
            check,
            inputs=f"raw_{task}_to_predict",
            outputs=f"prediction_{task}_materials_to_predict",
            name=f"check_{task}_materials_to_predict",
            tags=tags,
        ),
        Node(
            predict,
            inputs=[
                f"prediction_{task}_materials_to_predict",
                MATERIALS[task],
                "feature_element_representations",
                f"selection_{task}_results",
                f"prediction_{task}_fitted_model_store",
                "params:prediction",
            ],
            outputs=[  # saved in this order: the fit for the store first, the served model last
                f"prediction_{task}_fitted_models",
                f"prediction_{task}_band_gap_predictions",
                f"reporting_{task}_prediction_rejects",
                f"prediction_{task}_band_gap_predictor",
                f"reporting_{task}_predictor_record",
                f"prediction_{task}_band_gap_pyfunc",
            ],
            name=f"predict_{task}_band_gaps",
            tags=tags,
        ),
    ]


def create_pipeline(**kwargs) -> Pipeline:
    screening = Node(
        nodes.screen_janus,
        inputs=[
            "prediction_janus_band_gap_predictor",
            "primary_janus_materials",
            "prediction_janus_screen_fitted_model_store",
            "params:prediction",
        ],
        outputs=[
            "prediction_janus_screen_fitted_models",  # the classifier's nested CV, kept by key
            "prediction_janus_screening",
            "reporting_janus_classifier_cv_folds",
            "reporting_janus_screening_record",
            "reporting_janus_screening_figures_png",
            "reporting_janus_screening_figures_svg",
        ],
        name="screen_janus_candidates",
        tags=[JANUS_TAG],
    )
    return Pipeline(
        [*_task("janus", [JANUS_TAG]), screening, *_task("expt_gap", [])],
        namespace="prediction",
        prefix_datasets_with_namespace=False,  # catalog names stay as they are
    )
