"""Compare the newest outputs of two project copies, file by file (before/after a refactor).

    python scripts/compare_outputs.py OLD_PROJECT NEW_PROJECT

For every versioned dataset (a folder of timestamped versions) and plain file under data/, the
newest version of each side is compared: tables by value (CSV, parquet; floats exactly), text
exactly, images by pixels. Prints one line per output and exits non-zero on any difference.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

VERSION = "____-__-__T__.__.__.___Z"


def newest(path: Path) -> Path:
    """The newest version of a versioned dataset, or the path itself."""
    versions = sorted(
        p for p in path.iterdir() if len(p.name) == len(VERSION) and p.name[10] == "T"
    )
    return versions[-1] / path.name if versions else path


def outputs(data: Path) -> dict[str, Path]:
    found = {}
    for layer in sorted(data.iterdir()):
        if not layer.is_dir() or layer.name == "01_raw":
            continue
        for entry in sorted(layer.iterdir()):
            if entry.name.startswith(".") or entry.name == "pretraining_checkpoints":
                continue
            target = newest(entry) if entry.is_dir() else entry
            files = (
                sorted(p for p in target.rglob("*") if p.is_file()) if target.is_dir() else [target]
            )
            for f in files:
                found[
                    str(
                        Path(
                            layer.name, entry.name, f.relative_to(target) if target.is_dir() else ""
                        )
                    )
                ] = f
    return found


def same(a: Path, b: Path) -> str:
    if a.suffix == ".csv":
        left, right = pd.read_csv(a), pd.read_csv(b)
        try:
            pd.testing.assert_frame_equal(left, right, check_exact=True)
        except AssertionError as error:
            return str(error).splitlines()[0]
        return ""
    if a.suffix == ".parquet":
        try:
            pd.testing.assert_frame_equal(pd.read_parquet(a), pd.read_parquet(b), check_exact=True)
        except AssertionError as error:
            return str(error).splitlines()[0]
        return ""
    if a.suffix == ".png":
        from matplotlib.image import imread

        x, y = imread(a), imread(b)
        return (
            ""
            if x.shape == y.shape and np.array_equal(x, y)
            else f"pixels differ {x.shape} {y.shape}"
        )
    if a.suffix == ".svg":
        return ""  # ids and dates inside SVGs change on every write; the PNGs are compared
    return "" if a.read_bytes() == b.read_bytes() else "bytes differ"


def main(old_project: str, new_project: str) -> int:
    old, new = outputs(Path(old_project) / "data"), outputs(Path(new_project) / "data")
    differences = 0
    for name in sorted(old.keys() | new.keys()):
        if name not in new or name not in old:
            print(f"only in {'old' if name in old else 'new'}: {name}")
            continue
        problem = same(old[name], new[name])
        differences += bool(problem)
        print(f"{'DIFFERS' if problem else 'same   '} {name} {problem}")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
