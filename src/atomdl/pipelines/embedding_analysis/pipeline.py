"""embedding_analysis: Atom_DL against every other representation (paper section 3.2)."""

from kedro.pipeline import Node, Pipeline

from atomdl.pipelines.embedding_analysis import nodes


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
                nodes.collect_representations,
                inputs=[
                    "model_output_atom_dl_vectors",
                    "model_output_atom2vec_vectors",
                    "raw_atom2vec_original_vectors",
                    "model_input_token_vocabulary",
                    "params:representations",
                ],
                outputs=["feature_element_representations", "reporting_element_representations"],
                name="collect_representations",
            ),
            Node(
                nodes.measure_embeddings,
                inputs=[
                    "feature_element_representations",
                    "reporting_element_representations",
                    "params:embedding_analysis",
                ],
                outputs=[
                    "reporting_embedding_metrics",
                    "reporting_embedding_metrics_markdown",
                    "reporting_principal_components",
                ],
                name="measure_embeddings",
            ),
            Node(
                nodes.draw_embedding_figures,
                inputs=[
                    "feature_element_representations",
                    "reporting_element_representations",
                    "params:embedding_analysis",
                ],
                outputs=["reporting_embedding_figures_png", "reporting_embedding_figures_svg"],
                name="draw_embedding_figures",
            ),
        ]
    )
