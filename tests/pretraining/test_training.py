import numpy as np
import pandas as pd
import pytest
import torch

from atomdl.pretraining import (
    AtomEncoder,
    EncoderConfig,
    NonFiniteLossError,
    TrainingConfig,
    element_vectors,
    encoder_artefact,
    load_encoder,
    train,
)

TINY = {"n_layers": 2, "n_heads": 8, "feedforward_dim": 32, "dropout": 0.1}
FAST = TrainingConfig(epochs=2, batch_size=64, learning_rate=1e-2, warmup_fraction=0.02)


def test_model_output_shapes(vocabulary):
    model = AtomEncoder(EncoderConfig(len(vocabulary)))  # the paper's 16 x 8 x 8
    tokens = torch.tensor([[2, 10, 11, 3, 12, 3, 0], [2, 10, 3, 11, 12, 13, 3]])
    segments = torch.tensor([[0, 0, 0, 0, 1, 1, 0], [0, 0, 0, 1, 1, 1, 1]])
    atom_logits, pair_logits = model(tokens, segments)
    assert atom_logits.shape == (2, 7, len(vocabulary)) and pair_logits.shape == (2, 2)
    assert len(model.blocks) == 8


def test_blocks_are_post_ln_and_ignore_padding(vocabulary):
    model = AtomEncoder(EncoderConfig(len(vocabulary), n_layers=1)).eval()
    tokens = torch.tensor([[2, 10, 11, 3, 12, 3]])
    segments = torch.tensor([[0, 0, 0, 0, 1, 1]])
    padded_tokens = torch.cat([tokens, torch.zeros(1, 3, dtype=torch.long)], dim=1)
    padded_segments = torch.cat([segments, torch.zeros(1, 3, dtype=torch.long)], dim=1)
    with torch.no_grad():
        plain = model.encode(tokens, segments)
        padded = model.encode(padded_tokens, padded_segments)[:, :6]
        # post-LN: every block output is layer-normalised (zero mean, unit variance per position)
        assert torch.allclose(plain.mean(-1), torch.zeros(1, 6), atol=1e-5)
    assert torch.allclose(plain, padded, atol=1e-5)


def test_atom_order_within_a_formula_does_not_matter(vocabulary):
    model = AtomEncoder(EncoderConfig(len(vocabulary), n_layers=2)).eval()
    segments = torch.tensor([[0, 0, 0, 0, 1, 1, 1]])
    with torch.no_grad():
        a = model(torch.tensor([[2, 10, 11, 3, 12, 13, 3]]), segments)
        b = model(torch.tensor([[2, 11, 10, 3, 13, 12, 3]]), segments)
    assert torch.allclose(a[1], b[1], atol=1e-5)  # the pair logits see a multiset


def test_width_must_split_over_heads():
    with pytest.raises(ValueError, match="not divisible by n_heads"):
        AtomEncoder(EncoderConfig(20, embedding_dim=16, n_heads=3))


def test_a_tiny_model_learns_within_a_few_hundred_steps(corpus, vocabulary):
    config = TrainingConfig(epochs=5, batch_size=32, learning_rate=1e-2, warmup_fraction=0.02)
    result = train(
        corpus, EncoderConfig(len(vocabulary), **{**TINY, "dropout": 0.0}), config, progress=False
    )
    history = result.history
    assert len(history) == 5 and result.device == "cpu"
    n_train = len(corpus) - round(0.02 * len(corpus))
    assert 300 <= 5 * np.ceil(n_train / 32) <= 600  # "a few hundred steps"
    # the masked-atom loss passes below the unigram entropy of the atoms (4.3 nats here): the
    # model uses context; the pair task gets better than chance
    assert history["loss_lm"].iloc[-1] < history["loss_lm"].iloc[0] - 0.3
    assert history["loss_lm"].iloc[-1] < 4.1
    assert history["loss_label"].iloc[-1] < 0.62 < history["loss_label"].iloc[0]
    assert history["val_atom_accuracy"].iloc[-1] > 0.12


def _weights(result):
    return {k: v.clone() for k, v in result.model.state_dict().items()}


class Interrupted(RuntimeError):
    pass


def test_resumed_run_ends_where_an_uninterrupted_run_ends(corpus, vocabulary, tmp_path):
    encoder = EncoderConfig(len(vocabulary), **TINY)
    straight = train(corpus, encoder, FAST, progress=False)

    def stop_after_first_epoch(metrics):
        if metrics["epoch"] == 1:
            raise Interrupted

    with pytest.raises(Interrupted):
        train(
            corpus,
            encoder,
            FAST,
            checkpoint_dir=tmp_path,
            on_epoch_end=stop_after_first_epoch,
            progress=False,
        )
    assert len(list(tmp_path.glob("*.pt"))) == 1
    seen = []
    resumed = train(
        corpus,
        encoder,
        FAST,
        checkpoint_dir=tmp_path,
        progress=False,
        on_epoch_end=lambda metrics: seen.append(metrics["epoch"]),
    )
    assert resumed.resumed_from_epoch == 1
    assert seen == [1, 2]  # the restored epoch is replayed to the tracker, then epoch 2
    a, b = _weights(straight), _weights(resumed)
    assert all(torch.equal(a[k], b[k]) for k in a)
    timing = ["samples_per_second", "epoch_seconds"]
    pd.testing.assert_frame_equal(
        straight.history.drop(columns=timing), resumed.history.drop(columns=timing)
    )
    assert not list(tmp_path.glob("*.pt"))  # removed after a complete run


def test_other_settings_do_not_resume_from_a_checkpoint(corpus, vocabulary, tmp_path):
    encoder = EncoderConfig(len(vocabulary), **TINY)
    train(corpus, encoder, FAST, checkpoint_dir=tmp_path, keep_checkpoint=True, progress=False)
    other = TrainingConfig(**{**FAST.to_dict(), "learning_rate": 5e-3})
    assert (
        train(corpus, encoder, other, checkpoint_dir=tmp_path, progress=False).resumed_from_epoch
        == 0
    )


def test_a_non_finite_loss_stops_training_and_writes_nothing(corpus, vocabulary, tmp_path):
    broken = TrainingConfig(
        **{**FAST.to_dict(), "learning_rate": 1e30, "max_grad_norm": 1e30, "warmup_fraction": 0.0}
    )
    with pytest.raises(NonFiniteLossError, match=r"epoch 1, batch \d+: loss is (nan|inf)"):
        train(
            corpus,
            EncoderConfig(len(vocabulary), **TINY),
            broken,
            checkpoint_dir=tmp_path,
            progress=False,
        )
    assert not list(tmp_path.iterdir())


def test_every_stored_form_is_the_artefact_and_gives_the_vectors(vocabulary, tmp_path):
    import pickle

    tokens = vocabulary["token"].tolist()
    model = AtomEncoder(EncoderConfig(len(vocabulary), **TINY), tokens).eval()
    # a pickle of the encoder is its artefact: a bare artefact dict and torch.save agree
    assert pickle.loads(pickle.dumps(model)).tokens == tokens
    (tmp_path / "artefact.pkl").write_bytes(pickle.dumps(encoder_artefact(model)))
    torch.save({"model": model}, tmp_path / "checkpoint.pt")
    stored = [
        load_encoder(tmp_path / "artefact.pkl"),
        torch.load(tmp_path / "checkpoint.pt", weights_only=False)["model"],
        pickle.loads(pickle.dumps(model)),
    ]
    batch = torch.tensor([[2, 10, 11, 3, 12, 3]]), torch.tensor([[0, 0, 0, 0, 1, 1]])
    elements = vocabulary.loc[vocabulary["kind"] == "element", "token"].tolist()
    for loaded in stored:
        assert isinstance(loaded, AtomEncoder) and not loaded.training
        with torch.no_grad():
            assert torch.equal(model(*batch)[0], loaded(*batch)[0])
        vectors = loaded.element_vectors()
        assert vectors.index.tolist() == elements and vectors.shape == (len(elements), 16)
        assert np.array_equal(
            vectors.loc[elements[0]].to_numpy(), model.token_embedding.weight[5].detach().numpy()
        )
    pd.testing.assert_frame_equal(element_vectors(tmp_path / "artefact.pkl"), vectors)


def test_an_encoder_without_its_tokens_cannot_be_stored_or_asked_for_vectors(vocabulary):
    import copy

    model = AtomEncoder(EncoderConfig(len(vocabulary), **TINY))
    with pytest.raises(ValueError, match="stored with its tokens"):
        encoder_artefact(model)
    with pytest.raises(ValueError, match="built without its tokens"):
        model.element_vectors()
    with pytest.raises(ValueError, match="3 tokens for a vocabulary of"):
        AtomEncoder(EncoderConfig(len(vocabulary), **TINY), ["[PAD]", "H", "He"])
    with pytest.raises(ValueError, match="not an atomdl encoder artefact"):
        load_encoder({"format": "something else"})
    clone = copy.deepcopy(model.train())  # a deep copy stays a training-mode copy
    assert clone.training and clone.tokens is None


def test_the_compile_setting_compiles_the_training_step(corpus, vocabulary, monkeypatch):
    """`compile: true` hands the model to torch.compile (CUDA graphs on a GPU); the compiler
    itself is not run here (a minute and more on CPU): it is recorded, the model kept."""
    compiled = []

    def record(model, **kwargs):
        compiled.append(kwargs)
        return model

    monkeypatch.setattr(torch, "compile", record)
    encoder = EncoderConfig(len(vocabulary), **TINY)
    config = TrainingConfig(epochs=1, batch_size=128, learning_rate=1e-2, compile=True)
    with_setting = train(corpus, encoder, config, progress=False)
    assert compiled == [{"mode": "reduce-overhead"}]
    without = train(corpus, encoder, TrainingConfig(epochs=1, batch_size=128, learning_rate=1e-2),
                    progress=False)  # fmt: skip
    pd.testing.assert_frame_equal(
        with_setting.history.drop(columns=["samples_per_second", "epoch_seconds"]),
        without.history.drop(columns=["samples_per_second", "epoch_seconds"]),
    )
