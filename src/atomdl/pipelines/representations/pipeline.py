"""representations: every element representation built once and stored whole, for the
embedding analysis and the featurization to read alike."""

from kedro.pipeline import Node, Pipeline

from atomdl.pipelines.representations import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                nodes.train_atom2vec_vectors,
                inputs=["primary_oqmd_compositions", "params:representations"],
                outputs="model_output_atom2vec_vectors",
                name="train_atom2vec_vectors",
            ),
            Node(
                nodes.build_element_representations,
                inputs=[
                    "model_output_atom_dl_vectors",
                    "model_output_atom2vec_vectors",
                    "raw_atom2vec_original_vectors",
                    "model_input_token_vocabulary",
                    "params:representations",
                ],
                outputs=[
                    "feature_element_representations",
                    "reporting_element_representations",
                    "reporting_representations_mlflow_record",
                ],
                name="build_element_representations",
            ),
        ],
        namespace="representations",
        prefix_datasets_with_namespace=False,  # catalog names stay as they are
    )
