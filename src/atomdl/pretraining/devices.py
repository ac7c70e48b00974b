"""Where training runs: the device, the data-parallel world, and getting data onto the device.

Nothing here waits for the device: batches go from pinned memory without blocking, and sums
are added over the ranks only when read.
"""

from __future__ import annotations

import os

import numpy as np
import torch

__all__ = ["autocast", "pick_device", "summed_over_ranks", "to_device", "world"]


def pick_device(requested: str = "auto", rank: int = 0) -> torch.device:
    """CUDA when available (a data-parallel run's process takes the GPU of its local rank)."""
    if requested == "auto":
        requested = "cuda" if torch.cuda.is_available() else "cpu"
    if requested == "cuda" and torch.distributed.is_initialized():
        local = int(os.environ.get("LOCAL_RANK", rank))
        torch.cuda.set_device(local)
        return torch.device("cuda", local)
    return torch.device(requested)


def world() -> tuple[int, int]:
    """(processes, this process's rank) of an initialised process group, else (1, 0)."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_world_size(), torch.distributed.get_rank()
    return 1, 0


def summed_over_ranks(sums: torch.Tensor) -> torch.Tensor:
    """Per-rank sums added over the ranks (losses are per-rank shares of the global mean)."""
    if world()[0] > 1:
        sums = sums.clone()
        torch.distributed.all_reduce(sums)
    return sums


def to_device(device: torch.device, array) -> torch.Tensor:
    """An integer array as a tensor on ``device`` (from pinned memory, without blocking)."""
    tensor = torch.from_numpy(np.ascontiguousarray(array, dtype=np.int64))
    if device.type == "cuda":
        return tensor.pin_memory().to(device, non_blocking=True)
    return tensor


def autocast(device: torch.device):
    """bf16 autocast on a GPU, nothing on CPU."""
    return torch.autocast(
        device_type=device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"
    )
