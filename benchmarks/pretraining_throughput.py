"""Training throughput: atomdl's encoder vs Hugging Face BertForPreTraining, side by side.

Run:  python benchmarks/pretraining_throughput.py [--device cpu|cuda] [--formulas N] [--steps N]
(needs the bench extra: pip install -e ".[bench]")

Both models are configured identically: width 16, 8 layers, 8 heads, feed-forward 64, GELU,
post-LN, hidden dropout 0.1, no dropout on attention probabilities, the same vocabulary. Both
train on the same samples (pairs and masks drawn once from the real OQMD corpus), in the same
length-bucketed batches of the same size, with AdamW, loss = masked-atom + pair loss, and on CUDA
with bf16 autocast. (BERT adds position embeddings, which atomdl's encoder has no use for: see
docs/pretraining.md.) Each side's batches are built inside its timed loop by the same code.

The models are timed in alternating rounds (atomdl, BERT, and on CPU atomdl with PyTorch's own
attention and dropout, ``cpu_kernels=False``), each round a few steps of each on the same
batches, so that a machine that speeds up or slows down during the run moves all of them alike.
Prints each model's median samples/s over the rounds, the median of the per-round ratios with
their spread (min-max), and what the paper's configuration (80 epochs over the whole corpus)
would take at the measured atomdl speed. Also times atomdl's own ``train()`` for one epoch on
the same formulas (everything included: pairing, masking, validation).
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch.nn import functional as F

from atomdl.materials import parse_composition_table
from atomdl.pretraining import (
    AtomEncoder,
    Corpus,
    EncoderConfig,
    TrainingConfig,
    build_vocabulary,
    train,
)
from atomdl.pretraining.batches import length_bucketed_batches
from atomdl.pretraining.devices import to_device
from atomdl.pretraining.samples import IGNORE, mask_tokens

RAW = Path(__file__).resolve().parents[1] / "data" / "01_raw" / "oqmd_formulas.csv.gz"
PAPER_EPOCHS = 80


def load_corpus(n_formulas: int | None):
    raw = pd.read_csv(RAW)
    compositions = parse_composition_table(raw, max_atoms=30, integer_amounts=True).accepted
    vocabulary = build_vocabulary(compositions["elements"])
    full_size = len(compositions)
    if n_formulas:
        compositions = compositions.sample(n_formulas, random_state=0).reset_index(drop=True)
    return Corpus.from_compositions(compositions, vocabulary), vocabulary, full_size


def make_batches(corpus, batch_size, seed=0):
    rng = np.random.default_rng(seed)
    pairs = corpus.pairs(rng)
    config = TrainingConfig(batch_size=batch_size)
    return pairs, length_bucketed_batches(corpus, pairs, config, rng)


def atomdl_step(model, optimiser, tokens, segments, labels, pair_labels, positions, device):
    """As train() does it: masked positions as host-computed flat indices (no device sync)."""
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
        atom_logits, pair_logits = model(tokens, segments, atom_positions=positions)
    loss = F.cross_entropy(atom_logits.float(), labels.reshape(-1)[positions]) + F.cross_entropy(
        pair_logits.float(), pair_labels
    )
    optimiser.zero_grad(set_to_none=True)
    loss.backward()
    optimiser.step()


def bert_step(model, optimiser, tokens, segments, labels, pair_labels, positions, device):
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
        out = model(
            input_ids=tokens,
            token_type_ids=segments,
            attention_mask=tokens != 0,
            labels=labels,
            next_sentence_label=pair_labels,
        )
    optimiser.zero_grad(set_to_none=True)
    out.loss.backward()
    optimiser.step()


class Contender:
    """One model with its optimiser and step, timed a round at a time on the same batches."""

    def __init__(self, name, step, model, corpus, pairs, batches, device):
        self.name, self.step, self.model = name, step, model.train()
        self.optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3)
        self.corpus, self.pairs, self.batches, self.device = corpus, pairs, batches, device
        self.rng = np.random.default_rng(1)
        self.rates: list[float] = []

    def run(self, start: int, steps: int, timed: bool = True) -> None:
        device, corpus, pairs = self.device, self.corpus, self.pairs
        if device.type == "cuda":
            torch.cuda.synchronize()
        started, samples = time.perf_counter(), 0
        for batch in self.batches[start : start + steps]:
            tokens, segments = corpus.sequences(pairs.first[batch], pairs.second[batch])
            inputs, labels = mask_tokens(tokens, corpus.element_ids, self.rng)
            positions = np.flatnonzero(labels.ravel() != IGNORE)
            tensors = [
                to_device(device, a)
                for a in (inputs, segments, labels, pairs.label[batch], positions)
            ]
            self.step(self.model, self.optimiser, *tensors, device)
            samples += len(batch)
        if device.type == "cuda":
            torch.cuda.synchronize()
        if timed:
            self.rates.append(samples / (time.perf_counter() - started))


def interleaved(contenders: list[Contender], rounds: int, steps: int, warmup: int = 5) -> None:
    """Warm every model up, then alternate: each round runs ``steps`` steps of each model on
    the same batches, the order rotating from round to round."""
    for contender in contenders:
        contender.run(0, warmup, timed=False)
    for r in range(rounds):
        start = warmup + r * steps
        for contender in contenders[r % len(contenders) :] + contenders[: r % len(contenders)]:
            contender.run(start, steps)


def ratio_line(label: str, ours: Contender, theirs: Contender) -> str:
    ratios = np.array(ours.rates) / np.array(theirs.rates)
    return (
        f"  {label:<32}{np.median(ratios):6.2f}x  (per-round ratios {ratios.min():.2f}-"
        f"{ratios.max():.2f} over {len(ratios)} rounds)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument(
        "--formulas",
        type=int,
        default=40_000,
        help="formulas of the corpus to draw samples from (0: all)",
    )
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=12, help="alternating rounds")
    parser.add_argument("--steps", type=int, default=10, help="timed steps per model and round")
    args = parser.parse_args()
    from transformers import BertConfig, BertForPreTraining

    device = torch.device(args.device)
    corpus, vocabulary, full_size = load_corpus(args.formulas or None)
    pairs, batches = make_batches(corpus, args.batch_size)
    batches = batches * math.ceil((args.rounds * args.steps + 5) / len(batches))
    encoder = EncoderConfig(
        len(vocabulary),
        embedding_dim=16,
        n_layers=8,
        n_heads=8,
        feedforward_dim=64,
        dropout=0.1,
        attention_dropout=0.0,
    )
    bert = BertConfig(
        vocab_size=len(vocabulary),
        hidden_size=16,
        num_hidden_layers=8,
        num_attention_heads=8,
        intermediate_size=64,
        hidden_act="gelu",
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.0,
        max_position_embeddings=64,
        type_vocab_size=2,
        pad_token_id=0,
    )
    torch.manual_seed(0)
    ours = AtomEncoder(encoder).to(device)
    theirs = BertForPreTraining._from_config(bert, attn_implementation="sdpa").to(device)
    hardware = (
        torch.cuda.get_device_name()
        if device.type == "cuda"
        else f"{torch.get_num_threads()} CPU threads"
    )
    print(
        f"device {device} ({hardware}), torch {torch.__version__}, batch {args.batch_size}, "
        f"{args.rounds} alternating rounds of {args.steps} steps per model, "
        f"samples from {len(corpus):,} formulas"
    )
    print(
        f"parameters: atomdl {sum(p.numel() for p in ours.parameters()):,}, "
        f"BERT {sum(p.numel() for p in theirs.parameters()):,}"
    )
    contenders = [
        Contender("atomdl AtomEncoder", atomdl_step, ours, corpus, pairs, batches, device),
        Contender("transformers BERT", bert_step, theirs, corpus, pairs, batches, device),
    ]
    if device.type == "cpu":  # what atomdl's CPU attention and dropout are worth
        torch.manual_seed(0)
        fused = AtomEncoder(encoder)
        fused.cpu_kernels = False
        contenders.append(
            Contender(
                "atomdl, cpu_kernels=False", atomdl_step, fused, corpus, pairs, batches, device
            )  # fmt: skip
        )
    interleaved(contenders, args.rounds, args.steps)
    for contender in contenders:
        print(f"  {contender.name:<32}{np.median(contender.rates):10,.0f} samples/s (median)")
    print(ratio_line("atomdl / BERT", contenders[0], contenders[1]))
    if len(contenders) > 2:
        print(ratio_line("cpu_kernels=False / BERT", contenders[2], contenders[1]))
        print(ratio_line("atomdl / cpu_kernels=False", contenders[0], contenders[2]))
    rate_ours = float(np.median(contenders[0].rates))
    paper = PAPER_EPOCHS * full_size / rate_ours
    print(
        f"  paper configuration ({PAPER_EPOCHS} epochs x {full_size:,} formulas) at this speed: "
        f"{paper / 60:,.1f} min"
    )

    config = TrainingConfig(epochs=1, batch_size=args.batch_size, device=args.device)
    result = train(corpus, encoder, config, progress=False)
    print(
        f"  atomdl train(), 1 epoch incl. pairing, masking, validation: "
        f"{result.history['samples_per_second'].iloc[0]:,.0f} samples/s"
    )


if __name__ == "__main__":
    main()
