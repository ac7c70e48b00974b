"""The fine-tuned encoder: its input table, its sequences, and that it learns."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch

from atomdl.features import amounts_table as composition_features
from atomdl.features import janus_amounts_table as janus_composition_features
from atomdl.models.finetuned import EncoderRegressor, start_encoder
from atomdl.pretraining import AtomEncoder, EncoderConfig, released_encoder
from tests.pretraining.conftest import hand_made

PAPER = released_encoder()
ELEMENTS = [t for t in PAPER.tokens if not t.startswith("[")]


def _tiny_random_encoder(seed=0):
    torch.manual_seed(seed)
    config = EncoderConfig(len(PAPER.tokens), n_layers=2, dropout=0.0)
    return AtomEncoder(config, PAPER.tokens)


def test_written_out_formulas_and_counts_give_the_same_vectors():
    """[CLS] Fe O [SEP] with counts (1, 2, 3, 1) is [CLS] Fe Fe O O O [SEP], for both kernels."""
    fe, o = PAPER.tokens.index("Fe"), PAPER.tokens.index("O")
    written = torch.tensor([[2, fe, fe, o, o, o, 3]])
    compact = torch.tensor([[2, fe, o, 3, 0]])
    counts = torch.tensor([[1.0, 2.0, 3.0, 1.0, 0.0]])
    for cpu_kernels in (True, False):
        model = start_encoder("paper")
        model.cpu_kernels = cpu_kernels
        with torch.no_grad():
            a = model.encode(written, torch.zeros_like(written))
            b = model.encode(compact, torch.zeros_like(compact), counts)
        for long_position, short_position in [(0, 0), (1, 1), (2, 1), (3, 2), (5, 2), (6, 3)]:
            torch.testing.assert_close(a[0, long_position], b[0, short_position])


def test_composition_table_holds_amounts_in_the_encoders_order_and_sets_aside_strangers():
    compositions = hand_made(["Fe2O3", "NaCl", "Al0.1Ga0.9As"]).assign(
        row=[0, 1, 2], target=[2.0, 8.5, 1.5]
    )
    compositions.loc[3] = ["XyO", ["Xy", "O"], [1.0, 1.0], "?", 3, 0.0]
    table = composition_features(compositions, ELEMENTS)
    features = table.features
    assert list(features.columns) == [f"amount__{e}" for e in ELEMENTS]
    assert table.table["material_id"].tolist() == ["0", "1", "2"]
    first = features.iloc[0]
    assert first["amount__Fe"] == 2 and first["amount__O"] == 3 and first.sum() == 5
    assert features.iloc[2]["amount__Al"] == pytest.approx(0.1)
    assert table.rejected["material_id"].tolist() == ["3"]
    assert "lacks Xy" in table.rejected["reason"].iloc[0]


def test_janus_composition_is_one_atom_each_then_the_structure():
    from atomdl.features import JANUS_STRUCTURE_COLUMNS

    materials = pd.DataFrame(
        {"uid": ["a", "b"], "formula": ["MoSSe", "WSTe"], "band_gap": [1.4, 1.1],
         "m": ["Mo", "W"], "x": ["S", "S"], "y": ["Se", "Te"],
         **{c: [0.1, 0.2] for c in JANUS_STRUCTURE_COLUMNS}}
    )  # fmt: skip
    table = janus_composition_features(materials, ELEMENTS).table
    amounts = table.filter(like="amount__")
    assert (amounts.sum(axis=1) == 3).all() and amounts.loc[1, "amount__Te"] == 1
    assert table.filter(like="structure__").shape == (2, 10)


def _sequences(rows: dict[str, float], extra=()):
    x = np.zeros((1, len(ELEMENTS) + len(extra)))
    for symbol, amount in rows.items():
        x[0, ELEMENTS.index(symbol)] = amount
    x[0, len(ELEMENTS) :] = extra
    model = EncoderRegressor()
    model._layout(PAPER, x)
    return model._sequences(PAPER, x)


def test_a_row_becomes_cls_elements_sep_with_its_amounts():
    tokens, counts, extra = _sequences({"O": 3, "Fe": 2}, extra=[0.5])
    by_column = sorted(["O", "Fe"], key=ELEMENTS.index)
    expected = [2, *(PAPER.tokens.index(s) for s in by_column), 3]  # [CLS] elements [SEP]
    assert tokens[0].tolist() == expected
    assert counts[0].tolist() == [1.0, *({"O": 3, "Fe": 2}[s] for s in by_column), 1.0]
    assert extra.tolist() == [[0.5]]
    with pytest.raises(ValueError, match=r"rows \[0\] have a negative amount or no element"):
        _sequences({})


def _synthetic(n=400, seed=0):
    """Binary and ternary compositions of 12 elements; the target is the amount-weighted mean
    of a fixed value per element, plus an interaction: something a model of the whole
    composition can learn and a constant cannot."""
    rng = np.random.default_rng(seed)
    pool = ["H", "Li", "O", "F", "Na", "Mg", "Al", "Si", "S", "Cl", "Fe", "Cu"]
    value = dict(zip(pool, rng.normal(0, 2, len(pool)), strict=True))
    x = np.zeros((n, len(ELEMENTS)))
    y = np.zeros(n)
    for i in range(n):
        chosen = rng.choice(pool, size=rng.integers(2, 4), replace=False)
        amounts = rng.integers(1, 4, size=len(chosen)).astype(float)
        for s, a in zip(chosen, amounts, strict=True):
            x[i, ELEMENTS.index(s)] = a
        w = amounts / amounts.sum()
        y[i] = sum(wi * value[s] for s, wi in zip(chosen, w, strict=True)) + 0.5 * ("O" in chosen)
    return x, y


def test_a_tiny_fine_tune_beats_the_mean_predictor_and_stops_early():
    x, y = _synthetic()
    train, test = np.arange(300), np.arange(300, 400)
    model = EncoderRegressor(
        start=_tiny_random_encoder(), epochs=60, patience=10, batch_size=32,
        learning_rate=3e-3, encoder_learning_rate=3e-3,
    )  # fmt: skip
    model.fit(x[train], y[train])
    mae = np.mean(np.abs(model.predict(x[test]) - y[test]))
    mean_predictor = np.mean(np.abs(y[train].mean() - y[test]))
    assert mae < 0.5 * mean_predictor, (mae, mean_predictor)
    assert len(model.validation_rows_) == 30 and set(model.validation_rows_) <= set(range(300))
    assert 1 <= model.best_epoch_ <= len(model.history_) <= 60
    best = min(h["validation_mae"] for h in model.history_)
    # the kept weights are the best epoch's: their validation MAE is the best one seen
    kept = np.mean(np.abs(model.predict(x[train][model.validation_rows_])
                          - y[train][model.validation_rows_]))  # fmt: skip
    assert kept == pytest.approx(best, rel=1e-5)
    again = EncoderRegressor(**model.get_params()).fit(x[train], y[train])
    np.testing.assert_array_equal(again.predict(x[test]), model.predict(x[test]))
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(x[test]), model.predict(x[test]))


def test_the_device_is_checked_and_auto_on_a_cpu_machine_is_the_cpu(monkeypatch):
    import torch

    x, y = _synthetic(n=80)
    settings = dict(start=_tiny_random_encoder(), epochs=2, patience=2, batch_size=16)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="device 'cuda' asked for, but torch sees no CUDA"):
        EncoderRegressor(**settings, device="cuda").fit(x, y)
    on_cpu = EncoderRegressor(**settings).fit(x, y).predict(x)
    auto = EncoderRegressor(**settings, device="auto").fit(x, y)
    np.testing.assert_array_equal(auto.predict(x), on_cpu)
    assert next(auto.model_.parameters()).device.type == "cpu"  # kept where it predicts


def test_starts_are_the_release_or_its_architecture_at_random():
    paper, random = start_encoder("paper"), start_encoder("random", seed=1)
    assert paper.tokens == random.tokens and paper.config == random.config
    assert not torch.equal(paper.token_embedding.weight, random.token_embedding.weight)
    assert torch.equal(
        start_encoder("random", seed=1).token_embedding.weight, random.token_embedding.weight
    )
    paper.token_embedding.weight.data.zero_()  # a copy: the release itself is untouched
    assert released_encoder().token_embedding.weight.abs().sum() > 0
    with pytest.raises(ValueError, match="start must be one of"):
        start_encoder(3)


def test_random_state_an_int_seeds_the_fit_and_a_generator_draws_one():
    x, y = _synthetic(n=60)
    settings = dict(start=_tiny_random_encoder(), epochs=2, patience=2, batch_size=16)
    three = EncoderRegressor(**settings, random_state=3).fit(x, y)
    same = EncoderRegressor(**settings, random_state=np.int64(3)).fit(x, y)
    np.testing.assert_array_equal(same.predict(x), three.predict(x))
    assert not np.array_equal(
        EncoderRegressor(**settings, random_state=4).fit(x, y).predict(x), three.predict(x)
    )
    drawn = [EncoderRegressor(**settings, random_state=np.random.RandomState(0)).fit(x, y)
             for _ in range(2)]  # fmt: skip
    np.testing.assert_array_equal(drawn[0].predict(x), drawn[1].predict(x))
    assert set(drawn[0].validation_rows_) <= set(range(60))
