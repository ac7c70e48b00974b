"""The committed pretrained release loads and matches itself."""

import numpy as np
import pandas as pd

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
    from_weights = encoder.element_vectors()  # the encoder knows its own tokens
    assert from_weights.shape == (86, 16)
    assert from_weights.index.tolist() == released_vectors().index.tolist()
    # the CSV holds 6 significant digits of the very same weights
    assert np.allclose(from_weights.to_numpy(), released_vectors().to_numpy(), rtol=1e-5, atol=1e-7)
    pd.testing.assert_frame_equal(element_vectors(_file("atom_encoder.pkl")), from_weights)


def test_the_release_file_is_the_encoder_in_its_stored_form():
    import pickle

    from atomdl.pretraining import AtomEncoder

    with _file("atom_encoder.pkl").open("rb") as handle:
        loaded = pickle.load(handle)
    assert isinstance(loaded, AtomEncoder) and len(loaded.tokens) == 91
    assert loaded.tokens[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def test_release_record_says_how_it_was_made():
    info = release_info()
    assert info["command"].startswith("kedro run --pipelines pretraining")
    assert len(info["training_data_sha256"]) == 64
    assert info["epochs"] >= 1 and info["training_seconds"] > 0
    assert {"val_atom_accuracy", "val_pair_accuracy"} <= info["final_metrics"].keys()
    assert _file("history.csv").is_file()
