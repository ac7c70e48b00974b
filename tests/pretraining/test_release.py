"""The committed pretrained release loads and matches itself."""

import numpy as np

from atomdl.pretraining import element_vectors, release_info, released_encoder, released_vectors
from atomdl.pretraining.release import _file


def test_released_vectors_cover_the_corpus_elements():
    vectors = released_vectors()
    info = release_info()
    assert vectors.shape == (info["elements"], 16) == (86, 16)
    assert {"H", "O", "Fe", "Mo", "S", "Se", "Te", "Bi", "I"} <= set(vectors.index)
    assert np.isfinite(vectors.to_numpy()).all()


def test_released_encoder_is_the_one_that_made_the_vectors():
    encoder = released_encoder()
    assert encoder.config.embedding_dim == 16 and encoder.config.n_layers == 8
    assert encoder.config.n_heads == 8 and not encoder.training
    from_weights = element_vectors(encoder)
    assert np.allclose(
        from_weights.to_numpy(), released_vectors().loc[from_weights.index], atol=1e-5
    )


def test_release_record_says_how_it_was_made():
    info = release_info()
    assert info["command"].startswith("kedro run --pipelines pretraining")
    assert len(info["training_data_sha256"]) == 64
    assert info["epochs"] >= 1 and info["training_seconds"] > 0
    assert {"val_atom_accuracy", "val_pair_accuracy"} <= info["final_metrics"].keys()
    assert _file("history.csv").is_file()
