"""Pretraining: the BERT-style atom encoder on OQMD formulas -> Atom_DL element vectors.

``create_release_pipeline`` writes the committed release to the same outputs instead, for
analyses without a training run (``kedro run --pipelines release,embedding_analysis``).
"""

from kedro.pipeline import Node, Pipeline

from atomdl.pipelines.pretraining import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                nodes.select_training_formulas,
                inputs=["primary_oqmd_compositions", "params:pretraining"],
                outputs="model_input_training_formulas",
                name="select_training_formulas",
            ),
            Node(
                nodes.pretrain_encoder,
                inputs=[
                    "model_input_training_formulas",
                    "model_input_token_vocabulary",
                    "params:pretraining",
                ],
                outputs=[
                    "models_atom_encoder",
                    "models_atom_encoder_mlflow",
                    "reporting_pretraining_history",
                    "reporting_pretraining_mlflow_record",
                ],
                name="pretrain_encoder",
            ),
            Node(
                nodes.extract_element_vectors,
                inputs="models_atom_encoder",
                outputs="model_output_atom_dl_vectors",
                name="extract_element_vectors",
            ),
        ],
        namespace="pretraining",
        prefix_datasets_with_namespace=False,  # catalog names stay as they are
    )


def create_release_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                nodes.use_pretrained_release,
                inputs=None,
                outputs=[
                    "models_atom_encoder",
                    "model_output_atom_dl_vectors",
                    "reporting_pretraining_history",
                    "reporting_release_mlflow_record",
                    "reporting_release_record",
                ],
                name="use_pretrained_release",
            )
        ],
        namespace="pretraining",
        prefix_datasets_with_namespace=False,  # catalog names stay as they are
    )
