"""What a fine-tune step costs on CPU, and what two ways of making it cheaper would give.

Run:  python benchmarks/finetune_step_cost.py [--no-compile]

* Batch scaling: one forward, backward and AdamW step of the fine-tuned model (the paper
  release's encoder + the head, ten extra features, one torch thread) at 64, 256, 1,024 and
  4,096 rows per step: ms per step and µs per row. Fitting several outer folds side by side in
  one batch could at best reach the large-batch cost per row.
* ``torch.compile`` of the same forward and backward at 64 rows (dropout off, as compiled code
  would draw other masks): the first call's compile time and ms per step, eager against
  compiled.
"""

from __future__ import annotations

import argparse
import time

import torch

from atomdl.models.finetuned import _MaterialModel, start_encoder


def _inputs(rows: int):
    tokens = torch.randint(3, 80, (rows, 5))
    tokens[:, 0], tokens[:, -1] = 1, 2
    return tokens, torch.ones(rows, 5), torch.randn(rows, 10), torch.randn(rows)


def _per_step(step, repeats: int) -> float:
    for _ in range(3):
        step()
    started = time.perf_counter()
    for _ in range(repeats):
        step()
    return (time.perf_counter() - started) / repeats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-compile", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    model = _MaterialModel(start_encoder("paper"), 10, 64, 0.1).train()
    optimiser = torch.optim.AdamW(model.parameters(), fused=True)
    for rows in (64, 256, 1024, 4096):
        batch = _inputs(rows)

        def step(data=batch):
            tokens, counts, extra, y = data
            loss = (model(tokens, counts, extra) - y).abs().mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()

        seconds = _per_step(step, 20)
        print(f"batch {rows:5d}: {seconds * 1e3:6.1f} ms/step, {seconds / rows * 1e6:6.1f} µs/row")
    if args.no_compile:
        return
    model.eval()  # no dropout: compiled code would draw its own masks
    tokens, counts, extra, y = _inputs(64)
    for name, runner in (("eager", model), ("compiled", torch.compile(model))):

        def step(runner=runner):
            (runner(tokens, counts, extra) - y).abs().mean().backward()

        started = time.perf_counter()
        step()
        first = time.perf_counter() - started
        print(f"{name:8s}: first call {first:5.1f} s, {_per_step(step, 50) * 1e3:5.1f} ms/step")


if __name__ == "__main__":
    main()
