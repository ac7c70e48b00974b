"""The CPU attention and dropout compute what PyTorch's fused kernel and F.dropout compute."""

import pytest
import torch
from torch.nn import functional as F

from atomdl.pretraining import AtomEncoder, EncoderConfig
from atomdl.pretraining.model import _dropout, _key_mask


def _batch(vocabulary_size, batch=6, length=9, seed=0):
    generator = torch.Generator().manual_seed(seed)
    tokens = torch.randint(4, vocabulary_size, (batch, length), generator=generator)
    lengths = torch.tensor([9, 7, 5, 9, 4, 6])[:batch]
    tokens[torch.arange(length)[None] >= lengths[:, None]] = 0  # padding of different lengths
    segments = (torch.arange(length)[None] >= (lengths // 2)[:, None]).long()
    return tokens, segments


@pytest.mark.parametrize("n_heads", [8, 4, 1])
def test_all_heads_attention_equals_the_fused_kernel(vocabulary, n_heads):
    model = AtomEncoder(EncoderConfig(len(vocabulary), n_layers=1, n_heads=n_heads))
    block = model.blocks[0].eval()
    tokens, _ = _batch(len(vocabulary))
    x = torch.randn(*tokens.shape, 16, requires_grad=True)
    padding = tokens == 0
    fused = block(x, _key_mask(padding, n_heads, fused=True, dtype=x.dtype))
    all_heads = block(x, _key_mask(padding, n_heads, fused=False, dtype=x.dtype))
    keep = ~padding  # padded positions' outputs are never used
    assert torch.allclose(fused[keep], all_heads[keep], atol=1e-5)
    weights = torch.randn_like(fused) * keep[..., None]
    (grad_fused,) = torch.autograd.grad((fused * weights).sum(), x)
    (grad_all_heads,) = torch.autograd.grad((all_heads * weights).sum(), x)
    assert torch.allclose(grad_fused, grad_all_heads, atol=1e-5)


def test_a_whole_model_gives_the_same_outputs_with_either_kernels(vocabulary):
    model = AtomEncoder(EncoderConfig(len(vocabulary), n_layers=3)).eval()
    tokens, segments = _batch(len(vocabulary), seed=2)
    keep = tokens != 0
    with torch.no_grad():
        atoms, pair = model(tokens, segments)
        model.cpu_kernels = False
        fused_atoms, fused_pair = model(tokens, segments)
    assert torch.allclose(atoms[keep], fused_atoms[keep], atol=1e-4)
    assert torch.allclose(pair, fused_pair, atol=1e-4)


def test_cpu_kernels_off_draws_masks_like_f_dropout(vocabulary):
    model = AtomEncoder(EncoderConfig(len(vocabulary), n_layers=1)).train()
    tokens, segments = _batch(len(vocabulary))
    model.cpu_kernels = False
    torch.manual_seed(5)
    a = model.encode(tokens, segments)
    model.cpu_kernels = True
    torch.manual_seed(5)
    b = model.encode(tokens, segments)
    assert not torch.allclose(a, b)  # different masks: the switch reaches the dropout too


def test_atom_positions_select_the_same_logits(vocabulary):
    model = AtomEncoder(EncoderConfig(len(vocabulary), n_layers=2)).eval()
    tokens, segments = _batch(len(vocabulary))
    chosen = torch.rand(tokens.shape, generator=torch.Generator().manual_seed(1)) < 0.3
    with torch.no_grad():
        every, pair = model(tokens, segments)
        some, pair_again = model(tokens, segments, atom_positions=chosen)
    assert some.shape == (int(chosen.sum()), len(vocabulary))
    assert torch.allclose(every[chosen], some, atol=1e-6) and torch.allclose(pair, pair_again)


def test_cpu_dropout_drops_p_and_rescales_the_rest():
    x = torch.ones(1_000, 1_000, requires_grad=True)
    torch.manual_seed(0)
    y = _dropout(x, 0.1, training=True)
    dropped = (y == 0).float().mean().item()
    assert abs(dropped - 0.1) < 0.002  # 1e6 draws: sd 0.0003
    assert torch.allclose(y[y != 0], torch.tensor(1 / (1 - 6554 / 65536)))
    assert abs(y.mean().item() - 1.0) < 0.005  # expectation kept, as in F.dropout
    y.sum().backward()
    assert torch.equal(x.grad, y.detach())  # the gradient goes through the same mask


def test_cpu_dropout_follows_torch_seed_and_mode():
    x = torch.randn(64, 16)
    torch.manual_seed(3)
    a = _dropout(x, 0.1, training=True)
    torch.manual_seed(3)
    b = _dropout(x, 0.1, training=True)
    c = _dropout(x, 0.1, training=True)
    assert torch.equal(a, b) and not torch.equal(b, c)
    assert _dropout(x, 0.1, training=False) is x
    assert torch.equal(_dropout(x, 0.0, training=True), x)
    with pytest.raises(ValueError):
        _dropout(x, 1.5, training=True)


def test_cpu_dropout_matches_f_dropout_in_distribution():
    x = torch.ones(400, 400)
    torch.manual_seed(0)
    ours = (_dropout(x, 0.3, training=True) == 0).float().mean().item()
    theirs = (F.dropout(x, 0.3, training=True) == 0).float().mean().item()
    assert abs(ours - 0.3) < 0.005 and abs(theirs - 0.3) < 0.005
