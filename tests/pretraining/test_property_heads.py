"""Property-aware pretraining: regression heads on each formula's pooled output."""

import numpy as np
import pytest
import torch

from atomdl.pretraining import (
    AtomEncoder,
    Corpus,
    EncoderConfig,
    TrainingConfig,
    load_encoder,
    predict_properties,
    train,
)
from atomdl.pretraining.losses import Batch, PropertyTargets, batch_losses
from atomdl.pretraining.samples import MASK

PROPERTIES = ["formation_enthalpy_ev_per_atom", "band_gap_ev", "volume_per_atom_a3"]
TINY = {"n_layers": 2, "n_heads": 8, "feedforward_dim": 32, "dropout": 0.0}


@pytest.fixture(scope="module")
def property_corpus(oqmd_slice, vocabulary):
    return Corpus.from_compositions(oqmd_slice, vocabulary, properties=PROPERTIES)


def _batch(corpus, targets, n=48):
    first, second = np.arange(n), np.arange(n, 2 * n)
    tokens, segments = corpus.sequences(first, second)
    labels = np.where(tokens > MASK, tokens, -100)  # every atom scored: no randomness
    positions = np.flatnonzero(labels.ravel() != -100)
    atom = [torch.from_numpy(a) for a in (tokens, segments, labels.ravel()[positions])]
    pair = torch.from_numpy((corpus.class_of[first] == corpus.class_of[second]).astype(np.int64))
    on_batch = targets.batch(corpus, first, second, torch.device("cpu"))
    return (*atom, pair, torch.from_numpy(positions), len(positions), n), on_batch


def test_pools_average_each_formulas_own_atoms(property_corpus):
    first, second = np.array([0, 5]), np.array([7, 2])
    tokens, _ = property_corpus.sequences(first, second)
    pools = property_corpus.formula_pools(first, second)
    assert pools.shape == (2, 2, tokens.shape[1])
    np.testing.assert_allclose(pools.sum(-1), 1.0, rtol=1e-6)
    for i in range(2):
        n1, n2 = property_corpus.lengths[first[i]], property_corpus.lengths[second[i]]
        assert np.array_equal(np.flatnonzero(pools[i, 0]), np.arange(1, n1 + 1))
        assert np.array_equal(np.flatnonzero(pools[i, 1]), np.arange(n1 + 2, n1 + n2 + 2))
        assert (tokens[i][pools[i].sum(0) > 0] > MASK).all()  # atoms only, never [CLS]/[SEP]


def test_a_property_missing_everywhere_leaves_the_loss_unchanged(property_corpus, vocabulary):
    """The same encoder with a third property whose targets are all missing: same loss, and no
    gradient reaches that property's head."""
    formulas = np.arange(len(property_corpus))
    two = TrainingConfig(property_weights=dict.fromkeys(PROPERTIES[:2], 1.0))
    three = TrainingConfig(property_weights=dict.fromkeys(PROPERTIES, 1.0))
    targets_three = PropertyTargets.of(property_corpus, three, formulas)
    targets_three.standardised[:, 2] = np.nan  # the third property: missing for every formula
    targets_two = PropertyTargets.of(_with(property_corpus, PROPERTIES[:2]), two, formulas)

    torch.manual_seed(0)
    model_three = AtomEncoder(EncoderConfig(len(vocabulary), properties=PROPERTIES, **TINY))
    model_two = AtomEncoder(EncoderConfig(len(vocabulary), properties=PROPERTIES[:2], **TINY))
    state = model_three.state_dict()
    state["property_head.weight"] = state["property_head.weight"][:2]
    state["property_head.bias"] = state["property_head.bias"][:2]
    model_two.load_state_dict(state)

    args, batch_three = _batch(property_corpus, targets_three)
    _, batch_two = _batch(_with(property_corpus, PROPERTIES[:2]), targets_two)
    three_terms = batch_losses(model_three, torch.device("cpu"), Batch(*args), batch_three)
    two_terms = batch_losses(model_two, torch.device("cpu"), Batch(*args), batch_two)
    torch.testing.assert_close(three_terms.properties.loss, two_terms.properties.loss)
    assert three_terms.properties.loss.item() > 0
    assert three_terms.properties.present[2] == 0  # no target of the third property was counted
    three_terms.properties.loss.backward()
    assert torch.count_nonzero(model_three.property_head.weight.grad[2]) == 0
    assert torch.count_nonzero(model_three.property_head.weight.grad[:2]) > 0


def _with(corpus, names):
    """A view of ``corpus`` carrying only the property columns ``names``."""
    view = object.__new__(Corpus)
    view.__dict__.update(corpus.__dict__)
    keep = [corpus.property_names.index(n) for n in names]
    view.property_names, view.properties = tuple(names), corpus.properties[:, keep]
    return view


def test_property_aware_training_learns_the_properties_and_stores_its_heads(
    property_corpus, vocabulary, tmp_path
):
    config = TrainingConfig(
        epochs=3, batch_size=64, learning_rate=1e-2, warmup_fraction=0.02,
        property_weights=dict.fromkeys(PROPERTIES, 1.0),
    )  # fmt: skip
    result = train(property_corpus, EncoderConfig(len(vocabulary), **TINY), config, progress=False)
    history = result.history
    for name in PROPERTIES:
        assert {f"mae_{name}", f"val_mae_{name}", f"val_loss_{name}"} <= set(history.columns)
    assert history["val_loss_property"].iloc[-1] < history["val_loss_property"].iloc[0]
    # better than predicting the training mean for every validation formula
    volume = property_corpus.properties[:, PROPERTIES.index("volume_per_atom_a3")]
    mean_predictor = np.mean(np.abs(volume - volume.mean()))
    assert history["val_mae_volume_per_atom_a3"].iloc[-1] < 0.8 * mean_predictor

    model = result.model
    assert model.config.properties == tuple(PROPERTIES)
    assert model.config.property_means[2] == pytest.approx(np.nanmean(volume), rel=0.05)
    path = tmp_path / "encoder.pkl"
    import pickle

    path.write_bytes(pickle.dumps(model))
    loaded = load_encoder(path)
    predicted = predict_properties(loaded, ["NaCl", "Fe2O3"])
    assert list(predicted.columns) == PROPERTIES and list(predicted.index) == ["NaCl", "Fe2O3"]
    assert predicted.equals(predict_properties(model, ["NaCl", "Fe2O3"]))
    assert ((predicted["volume_per_atom_a3"] > 3) & (predicted["volume_per_atom_a3"] < 80)).all()
    # one position per element, weighted by its count, reads as the written-out formula does
    index = {token: i for i, token in enumerate(loaded.tokens)}
    written = torch.tensor([[index[t] for t in ("[CLS]", "Fe", "Fe", "O", "O", "O", "[SEP]")]])
    pools = torch.tensor([[[0.0, 0.2, 0.2, 0.2, 0.2, 0.2, 0.0]]])
    with torch.no_grad():
        *_, standardised = loaded.eval()(written, torch.zeros_like(written), formula_pools=pools)
    physical = standardised[0, 0].double().numpy() * np.asarray(loaded.config.property_scales)
    physical += np.asarray(loaded.config.property_means)
    np.testing.assert_allclose(predicted.loc["Fe2O3"].to_numpy(), physical, rtol=1e-5, atol=1e-5)
    assert loaded.element_vectors().shape == (len(vocabulary) - 5, 16)
    with pytest.raises(ValueError, match="Xx is not in the encoder's vocabulary|unknown element"):
        predict_properties(loaded, ["Xx2O"])


def test_the_paper_encoder_has_no_property_heads(vocabulary):
    model = AtomEncoder(EncoderConfig(len(vocabulary)))
    assert not hasattr(model, "property_head")
    tokens = torch.tensor([[2, 10, 3, 11, 3]])
    with pytest.raises(ValueError, match="no property heads"):
        model(tokens, torch.zeros_like(tokens), formula_pools=torch.ones(1, 1, 5) / 5)
    with pytest.raises(ValueError, match="no trained property heads"):
        predict_properties(model, ["NaCl"])


def test_property_settings_must_match_the_corpus(oqmd_slice, vocabulary, corpus):
    with pytest.raises(ValueError, match="not in the compositions"):
        Corpus.from_compositions(oqmd_slice, vocabulary, properties=["band_gap"])
    config = TrainingConfig(epochs=1, property_weights={"band_gap_ev": 1.0})
    with pytest.raises(ValueError, match="corpus carries"):
        train(corpus, EncoderConfig(len(vocabulary), **TINY), config, progress=False)
    missing = oqmd_slice.assign(band_gap_ev=np.nan)
    empty = Corpus.from_compositions(missing, vocabulary, properties=["band_gap_ev"])
    with pytest.raises(ValueError, match="fewer than two training formulas carry"):
        train(empty, EncoderConfig(len(vocabulary), **TINY), config, progress=False)
