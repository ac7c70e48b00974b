"""The committed pretrained releases load and match themselves."""

import numpy as np
import pandas as pd
import pytest

from atomdl.pretraining import (
    element_vectors,
    predict_properties,
    release_info,
    released_encoder,
    released_vectors,
)
from atomdl.pretraining.release import RELEASES, _file

PROPERTIES = (
    "formation_enthalpy_ev_per_atom",
    "band_gap_ev",
    "energy_per_atom_ev",
    "volume_per_atom_a3",
)


@pytest.mark.parametrize("release", RELEASES)
def test_released_vectors_cover_the_corpus_elements(release):
    vectors = released_vectors(release)
    info = release_info(release)
    assert vectors.shape == (info["elements"], 16) == (86, 16)
    assert {"H", "O", "Fe", "Mo", "S", "Se", "Te", "Bi", "I"} <= set(vectors.index)
    assert np.isfinite(vectors.to_numpy()).all()


@pytest.mark.parametrize("release", RELEASES)
def test_released_encoder_is_the_one_that_made_the_vectors(release):
    encoder = released_encoder(release)
    assert encoder.config.embedding_dim == 16 and encoder.config.n_layers == 8
    assert encoder.config.n_heads == 8 and not encoder.training
    from_weights = encoder.element_vectors()  # the encoder knows its own tokens
    assert from_weights.shape == (86, 16)
    assert from_weights.index.tolist() == released_vectors(release).index.tolist()
    # the CSV holds 6 significant digits of the very same weights
    assert np.allclose(
        from_weights.to_numpy(), released_vectors(release).to_numpy(), rtol=1e-5, atol=1e-7
    )
    pd.testing.assert_frame_equal(element_vectors(_file("atom_encoder.pkl", release)), from_weights)


def test_the_releases_are_two_different_trainings():
    paper, aware = released_vectors("paper"), released_vectors("property_aware")
    assert paper.index.equals(aware.index)
    assert not np.allclose(paper.to_numpy(), aware.to_numpy(), atol=1e-3)
    assert released_encoder("paper").config.properties == ()


def test_the_property_aware_release_predicts_dft_properties_in_their_units():
    encoder = released_encoder("property_aware")
    assert encoder.config.properties == PROPERTIES
    predicted = predict_properties(encoder, ["NaCl", "LiF", "MgO", "Si", "GaAs", "Cu", "Fe2O3"])
    assert predicted.shape == (7, 4) and np.isfinite(predicted.to_numpy()).all()
    # ionic insulators above semiconductors and a metal: the heads learned the order of OQMD's
    # gaps, not their size (NaCl 0.99 eV against a PBE gap near 5; most corpus gaps are 0)
    gaps = predicted["band_gap_ev"]
    assert gaps[["NaCl", "LiF", "MgO"]].min() > gaps[["Si", "GaAs", "Cu"]].max()
    # strongly bound ionic compounds, and a volume per atom in a physical range
    enthalpy = predicted["formation_enthalpy_ev_per_atom"]
    assert (enthalpy[["NaCl", "LiF", "MgO", "Fe2O3"]] < -0.9).all()
    assert predicted["volume_per_atom_a3"].between(5, 50).all()


def test_the_release_file_is_the_encoder_in_its_stored_form():
    import pickle

    from atomdl.pretraining import AtomEncoder

    with _file("atom_encoder.pkl").open("rb") as handle:
        loaded = pickle.load(handle)
    assert isinstance(loaded, AtomEncoder) and len(loaded.tokens) == 91
    assert loaded.tokens[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


@pytest.mark.parametrize("release", RELEASES)
def test_release_record_says_how_it_was_made(release):
    info = release_info(release)
    assert info["command"].startswith("kedro run ")
    assert "--pipelines pretraining" in info["command"]
    assert ("--env property_aware" in info["command"]) == (release == "property_aware")
    assert len(info["training_data_sha256"]) == 64
    assert info["epochs"] == 80 and info["training_seconds"] > 0
    assert {"val_atom_accuracy", "val_pair_accuracy"} <= info["final_metrics"].keys()
    weights = {k for k in info["settings"] if "property_weights" in k}
    assert len(weights) == (4 if release == "property_aware" else 0)
    assert _file("history.csv", release).is_file()
