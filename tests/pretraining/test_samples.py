import numpy as np
import pytest

from atomdl.pretraining import SPECIAL_TOKENS, Corpus, build_vocabulary
from atomdl.pretraining.samples import CLS, IGNORE, MASK, PAD, SEP, mask_tokens
from tests.pretraining.conftest import hand_made


def test_sequences_write_formulas_out_atom_by_atom():
    table = hand_made(["NaCl", "Fe2O3"])
    vocabulary = build_vocabulary(table["elements"])
    corpus = Corpus.from_compositions(table, vocabulary)
    tokens, segments = corpus.sequences(np.array([0, 1]), np.array([1, 0]))
    token = dict(zip(vocabulary["token"], vocabulary["token_id"], strict=True))
    na, cl, fe, o = token["Na"], token["Cl"], token["Fe"], token["O"]
    assert tokens.tolist() == [
        [CLS, na, cl, SEP, fe, fe, o, o, o, SEP],
        [CLS, fe, fe, o, o, o, SEP, na, cl, SEP],
    ]
    assert segments.tolist() == [[0, 0, 0, 0, 1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]]


def test_shorter_samples_are_padded():
    table = hand_made(["NaCl", "Fe2O3", "KBr"])
    corpus = Corpus.from_compositions(table, build_vocabulary(table["elements"]))
    tokens, segments = corpus.sequences(np.array([0, 1]), np.array([2, 2]))
    assert tokens.shape == segments.shape == (2, 10)  # Fe2O3 + KBr: 5 + 2 atoms + 3 specials
    assert tokens[0, -3:].tolist() == [PAD] * 3 and segments[0, -3:].tolist() == [0] * 3


def test_fractional_amounts_are_refused():
    table = hand_made(["Fe0.5O"])
    with pytest.raises(ValueError, match="positive integer"):
        Corpus.from_compositions(table, build_vocabulary(table["elements"]))


def test_pairs_are_balanced_and_labelled_by_class(corpus):
    pairs = corpus.pairs(np.random.default_rng([0, 1]))
    assert len(pairs.first) == len(corpus) and sorted(pairs.first) == list(range(len(corpus)))
    assert abs(pairs.label.mean() - 0.5) < 0.03
    same = corpus.class_of[pairs.first] == corpus.class_of[pairs.second]
    assert (same == pairs.label.astype(bool)).all()
    assert (pairs.first != pairs.second).all()


def test_pairs_stay_inside_the_given_formulas(corpus):
    pool = np.arange(0, len(corpus), 3)
    pairs = corpus.pairs(np.random.default_rng(5), pool)
    assert set(pairs.second) <= set(pool)


def test_pairs_are_reproducible_per_seed_and_change_per_epoch(corpus):
    a, b = (corpus.pairs(np.random.default_rng([7, 1])) for _ in range(2))
    c = corpus.pairs(np.random.default_rng([7, 2]))
    assert (a.second == b.second).all() and (a.label == b.label).all()
    assert (a.second != c.second).mean() > 0.8  # small classes repeat partners by chance


def test_masking_statistics_over_many_samples(corpus):
    rng = np.random.default_rng(0)
    pairs = corpus.pairs(rng)
    tokens, _ = corpus.sequences(pairs.first, pairs.second)
    tokens = np.tile(tokens, (10, 1))  # about 300,000 atoms
    inputs, labels = mask_tokens(tokens, corpus.element_ids, rng)
    atoms = tokens > MASK
    chosen = labels != IGNORE
    assert abs(chosen.sum() / atoms.sum() - 0.15) < 0.005
    assert not (chosen & ~atoms).any()  # special tokens never chosen
    assert (inputs[~atoms] == tokens[~atoms]).all()  # nor changed
    assert (labels[chosen] == tokens[chosen]).all()
    to_mask = (inputs[chosen] == MASK).mean()
    unchanged = (inputs[chosen] == tokens[chosen]).mean()
    randomised = 1 - to_mask - unchanged
    assert abs(to_mask - 0.8) < 0.01
    # a random atom can hit the original one (1 in 86 here), which then counts as unchanged
    assert abs(unchanged - (0.1 + 0.1 / len(corpus.element_ids))) < 0.01
    assert abs(randomised - 0.1 * (1 - 1 / len(corpus.element_ids))) < 0.01
    assert set(np.unique(inputs[chosen & (inputs != MASK)])) <= set(corpus.element_ids)
    assert len(SPECIAL_TOKENS) == MASK + 1
