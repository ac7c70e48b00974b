"""embedding_analysis: Atom_DL against every other representation (paper section 3.2)."""

from kedro.pipeline import Node, Pipeline

from atomdl.pipelines.embedding_analysis import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                nodes.measure_embeddings,
                inputs=["feature_element_representations", "params:embedding_analysis"],
                outputs=[
                    "reporting_embedding_metrics",
                    "reporting_embedding_metrics_markdown",
                    "reporting_principal_components",
                    "reporting_embedding_scores_mlflow",
                ],
                name="measure_embeddings",
            ),
            Node(
                nodes.draw_embedding_figures,
                inputs=["feature_element_representations", "params:embedding_analysis"],
                outputs=["reporting_embedding_figures_png", "reporting_embedding_figures_svg"],
                name="draw_embedding_figures",
            ),
        ],
        namespace="embedding_analysis",
        prefix_datasets_with_namespace=False,  # catalog names stay as they are
    )
