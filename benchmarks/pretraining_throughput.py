"""Training throughput: atomdl's encoder vs Hugging Face BertForPreTraining, side by side.

Run:  python benchmarks/pretraining_throughput.py [--device cpu|cuda] [--formulas N] [--steps N]
(needs the bench extra: pip install -e ".[bench]")

Both models are configured identically: width 16, 8 layers, 8 heads, feed-forward 64, GELU,
post-LN, hidden dropout 0.1, no dropout on attention probabilities, the same vocabulary. Both
train on the same samples (pairs and masks drawn once from the real OQMD corpus), in the same
length-bucketed batches of the same size, with AdamW, loss = masked-atom + pair loss, and on CUDA
with bf16 autocast. (BERT adds position embeddings, which atomdl's encoder has no use for: see
docs/pretraining.md.) Each side's batches are built inside its timed loop by the same code.

Prints samples/s of each, the ratio, and what the paper's configuration (80 epochs over the
whole corpus) would take at the measured atomdl speed. Also times atomdl's own ``train()`` for one
epoch on the same formulas (everything included: pairing, masking, validation).
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
from atomdl.pretraining.samples import IGNORE, mask_tokens
from atomdl.pretraining.training import _length_bucketed_batches

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
    return pairs, _length_bucketed_batches(corpus, pairs, config, rng)


def atomdl_step(model, optimiser, tokens, segments, labels, pair_labels, device):
    masked = labels != IGNORE
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
        atom_logits, pair_logits = model(tokens, segments, atom_positions=masked)
    loss = F.cross_entropy(atom_logits.float(), labels[masked]) + F.cross_entropy(
        pair_logits.float(), pair_labels
    )
    optimiser.zero_grad(set_to_none=True)
    loss.backward()
    optimiser.step()


def bert_step(model, optimiser, tokens, segments, labels, pair_labels, device):
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


def timed_loop(step, model, corpus, pairs, batches, device, steps, warmup=5):
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(1)
    model.train()
    samples, started = 0, None
    for i, batch in enumerate(batches[: warmup + steps]):
        if i == warmup:
            if device.type == "cuda":
                torch.cuda.synchronize()
            started, samples = time.perf_counter(), 0
        tokens, segments = corpus.sequences(pairs.first[batch], pairs.second[batch])
        inputs, labels = mask_tokens(tokens, corpus.element_ids, rng)
        tensors = [
            torch.as_tensor(a, dtype=torch.long).to(device)
            for a in (inputs, segments, labels, pairs.label[batch])
        ]
        step(model, optimiser, *tensors, device)
        samples += len(batch)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return samples / (time.perf_counter() - started)


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
    parser.add_argument("--steps", type=int, default=60, help="timed steps per model")
    args = parser.parse_args()
    from transformers import BertConfig, BertForPreTraining

    device = torch.device(args.device)
    corpus, vocabulary, full_size = load_corpus(args.formulas or None)
    pairs, batches = make_batches(corpus, args.batch_size)
    batches = batches * math.ceil((args.steps + 5) / len(batches))
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
        f"device {device} ({hardware}), "
        f"torch {torch.__version__}, batch {args.batch_size}, {args.steps} timed steps, "
        f"samples from {len(corpus):,} formulas"
    )
    print(
        f"parameters: atomdl {sum(p.numel() for p in ours.parameters()):,}, "
        f"BERT {sum(p.numel() for p in theirs.parameters()):,}"
    )
    rate_ours = timed_loop(atomdl_step, ours, corpus, pairs, batches, device, args.steps)
    rate_bert = timed_loop(bert_step, theirs, corpus, pairs, batches, device, args.steps)
    print(f"  atomdl AtomEncoder        {rate_ours:10,.0f} samples/s")
    print(f"  transformers BERT         {rate_bert:10,.0f} samples/s")
    print(f"  ratio                     {rate_ours / rate_bert:10.2f}x")
    if device.type == "cpu":  # what atomdl's CPU attention and dropout are worth
        torch.manual_seed(0)
        fused = AtomEncoder(encoder)
        fused.cpu_kernels = False
        rate_fused = timed_loop(atomdl_step, fused, corpus, pairs, batches, device, args.steps)
        print(
            f"  atomdl, cpu_kernels=False {rate_fused:10,.0f} samples/s "
            f"(PyTorch's fused attention and F.dropout; {rate_fused / rate_bert:.2f}x BERT)"
        )
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
