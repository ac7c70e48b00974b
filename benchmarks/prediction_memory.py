"""Prediction time and peak memory for 10^3 .. 10^6 formulas, before and after chunking, and
the served model's answer to 10,000 formulas, in one run.

Run:  python benchmarks/prediction_memory.py [--model rf|krr] [--representation NAME]
          [--sizes 1000 10000 100000 200000 1000000] [--old-ref 773406d] [--no-served]
      (needs data/01_raw/matbench_expt_gap.csv and oqmd_formulas.csv.gz, both committed, and
      git for the old code)

The predictor: the expt_gap row of the committed results (docs/figures/model_selection/
expt_gap_cv_results.csv, `best_row`: the lowest nested-CV MAE, Oliynyk x RF; ``--model krr``:
that representation's KRR, whose kernel is rows x 4,604 training materials), fitted once here
on the real expt_gap table with 5 outer-fold refits (conf/base's ``uncertainty_folds``).
Formulas: drawn from the OQMD corpus (seed 0; 10^6 is the shuffled corpus repeated).

Each size runs in a fresh subprocess per variant, so that its peak RSS is its own:
  * ``old``: ``predict`` of the code at ``--old-ref`` (before issue 32: one pass over the whole
    table), its ``src`` extracted with ``git archive``; skipped for a kernel model where the
    kernel alone would not fit in the machine's available memory;
  * ``new``: this checkout, ``chunk_size`` = ``CHUNK_SIZE`` (10,000).
It prints rows/s, the predict call's wall time and the process's peak RSS (and its RSS before
the call: Python, the libraries and the predictor), and whether the new predictions equal the
old ones (row for row, every column; the largest difference of ``predicted_band_gap``).
The served model: the predictor logged as the pyfunc model (``log_band_gap_model``) to a
temporary MLflow store, loaded with ``mlflow.pyfunc.load_model`` in a fresh process of each
code, timed on its first and second answer to 10,000 formulas (the load apart).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "01_raw"
RESULTS = ROOT / "docs" / "figures" / "model_selection" / "expt_gap_cv_results.csv"
CORPUS = RAW / "oqmd_formulas.csv.gz"


def formulas(n: int) -> list[str]:
    corpus = pd.read_csv(CORPUS, usecols=["formula"])["formula"]
    shuffled = corpus.sample(frac=1.0, random_state=0).tolist()
    return (shuffled * (n // len(shuffled) + 1))[:n]


def fit(model: str | None, representation: str | None, path: Path) -> str:
    import joblib

    from atomdl.materials.compositions import parse_composition_table
    from atomdl.materials.schemas import EXPT_GAP
    from atomdl.prediction import best_row, fit_composition_predictor
    from atomdl.representations import published

    row = best_row(pd.read_csv(RESULTS), representation or "best", model or "best")
    raw = pd.read_csv(RAW / "matbench_expt_gap.csv", dtype=str, keep_default_na=False)
    compositions = parse_composition_table(raw, schema=EXPT_GAP).accepted
    start = time.perf_counter()
    predictor = fit_composition_predictor(
        compositions, published(row["representation"]), row["model"], row["params"]
    )
    print(f"fitted {predictor.describe()} in {time.perf_counter() - start:.1f} s")
    joblib.dump(predictor, path)
    return f"{row['representation']} x {row['model']}"


def peak_gb() -> float:
    """This process's peak RSS: VmHWM, whose count starts at exec (``ru_maxrss`` would carry the
    parent's RSS at the fork over)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1e6
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # kB on Linux


def child(args) -> None:
    """One variant x size in this process: the timing and peak RSS as one JSON line."""
    import joblib

    predictor = joblib.load(args.predictor)
    materials = pd.DataFrame({"formula": formulas(args.rows)})
    before = peak_gb()
    start = time.perf_counter()
    prediction = predictor.predict(materials)  # each code's default: one pass, or chunks
    seconds = time.perf_counter() - start
    peak = peak_gb()
    if args.save:
        prediction.table.to_pickle(args.save + ".table.pkl")
        prediction.rejected.to_pickle(args.save + ".rejected.pkl")
    sizes = {"predicted": len(prediction.table), "rejected": len(prediction.rejected)}
    print(json.dumps({"seconds": seconds, "peak_gb": peak, "before_gb": before, **sizes}))


def served_child(args) -> None:
    import mlflow

    materials = pd.DataFrame({"formula": formulas(10_000)})
    start = time.perf_counter()
    model = mlflow.pyfunc.load_model(args.model_uri)
    load = time.perf_counter() - start
    times = []
    for _ in range(2):
        start = time.perf_counter()
        answer = model.predict(materials)
        times.append(time.perf_counter() - start)
    assert len(answer) == len(materials)
    print(json.dumps({"load": load, "first": times[0], "second": times[1]}))


def run(code: Path, *arguments: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(code), "DO_NOT_TRACK": "true"}
    done = subprocess.run(
        [sys.executable, __file__, *arguments], env=env, capture_output=True, text=True
    )
    if done.returncode:
        return {"error": (done.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def old_src(ref: str, folder: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "src"], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder / "src"


def available_gb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable"):
            return int(line.split()[1]) / 1e6
    return float("inf")


def same(folder: Path, rows: int) -> str:
    old = pd.read_pickle(folder / f"old-{rows}.table.pkl")
    new = pd.read_pickle(folder / f"new-{rows}.table.pkl")
    gap = np.abs(old["predicted_band_gap"].to_numpy() - new["predicted_band_gap"].to_numpy())
    added = [c for c in new.columns if c not in old.columns]  # e.g. the interval (2026-12-03)
    try:
        pd.testing.assert_frame_equal(old, new[list(old.columns)], check_exact=True)
        pd.testing.assert_frame_equal(
            pd.read_pickle(folder / f"old-{rows}.rejected.pkl"),
            pd.read_pickle(folder / f"new-{rows}.rejected.pkl"),
        )
        return "identical" + (f" (the new code adds {', '.join(added)})" if added else "")
    except AssertionError:
        return f"differ (max |gap diff| {gap.max():.1e} eV)"


def fit_child(args) -> None:
    """The predictor fitted by this process's code (pickles name the code's own modules)."""
    row = fit(args.model, args.representation, Path(args.predictor))
    print(json.dumps({"row": row}))


def log_child(args) -> None:
    """The predictor logged as a served model by this process's code, into the store at
    ``args.save``."""
    import joblib
    import mlflow

    from atomdl.prediction.served import log_band_gap_model

    mlflow.set_tracking_uri(f"sqlite:///{args.save}")
    mlflow.set_experiment("benchmark")
    with mlflow.start_run():
        info = log_band_gap_model(joblib.load(args.predictor), "model")
    print(json.dumps({"uri": info.model_uri}))


def served(predictors: dict, folder: Path, codes: dict) -> None:
    print("\nserved model, 10,000 formulas (mlflow.pyfunc.load_model in a fresh process):")
    os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{folder / 'mlflow.db'}"  # for the children
    for name, code in codes.items():
        logged = run(code, "--log-child", "--predictor", str(predictors[name]),
                     "--save", str(folder / "mlflow.db"))  # fmt: skip
        got = (
            logged
            if "error" in logged
            else run(code, "--served-child", "--model-uri", logged["uri"])
        )
        if "error" in got:
            print(f"  {name:4s} failed: {got['error']}")
            continue
        print(f"  {name:4s} load {got['load']:5.1f} s   first answer {got['first']:5.2f} s   "
              f"second {got['second']:5.2f} s")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a model of the results table (default: the best row's)")
    parser.add_argument("--representation")
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000, 200_000, 10**6]
    )
    parser.add_argument("--old-ref", default="773406d", help="the code before chunking")
    parser.add_argument("--no-served", action="store_true")
    for hidden in ("--child", "--served-child", "--fit-child", "--log-child"):
        parser.add_argument(hidden, action="store_true", help=argparse.SUPPRESS)
    for hidden in ("--variant", "--predictor", "--save", "--model-uri"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    if args.served_child:
        return served_child(args)
    if args.fit_child:
        return fit_child(args)
    if args.log_child:
        return log_child(args)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        codes = {"old": old_src(args.old_ref, folder / "old"), "new": ROOT / "src"}
        # each code fits its own predictor (the same models: the fit is deterministic), as a
        # pickle names the modules of the code that made it
        predictors = {name: folder / f"predictor-{name}.joblib" for name in codes}
        for name, code in codes.items():
            chosen = ["--model", args.model] if args.model else []
            if args.representation:
                chosen += ["--representation", args.representation]
            fitted = run(code, "--fit-child", "--predictor", str(predictors[name]), *chosen)
            if "error" in fitted:
                raise SystemExit(f"{name}: the fit failed: {fitted['error']}")
            row = fitted["row"]
        training = 4604
        print(f"\n{row}, OQMD formulas; old = {args.old_ref} (one pass), new = chunks of 10,000")
        print(f"{'rows':>9s} {'variant':7s} {'predict':>9s} {'rows/s':>9s} {'peak RSS':>9s} "
              f"{'(before)':>9s} {'rejected':>9s}  answers")  # fmt: skip
        for rows in args.sizes:
            for name, code in codes.items():
                kernel_gb = rows * training * 8 / 1e9
                if name == "old" and "krr" in row and kernel_gb > 0.8 * available_gb():
                    print(f"{rows:9,d} {name:7s} skipped: its kernel alone is {kernel_gb:.0f} GB")
                    continue
                got = run(
                    code, "--child", "--variant", name, "--predictor", str(predictors[name]),
                    "--rows", str(rows), "--save", str(folder / f"{name}-{rows}"),
                )  # fmt: skip
                if "error" in got:
                    print(f"{rows:9,d} {name:7s} failed: {got['error']}")
                    continue
                answers = ""
                if name == "new" and (folder / f"old-{rows}.table.pkl").exists():
                    answers = same(folder, rows)
                print(f"{rows:9,d} {name:7s} {got['seconds']:8.2f}s {rows / got['seconds']:9,.0f} "
                      f"{got['peak_gb']:7.2f}GB {got['before_gb']:7.2f}GB {got['rejected']:9,d}  "
                      f"{answers}", flush=True)  # fmt: skip
            for name in codes:
                for part in ("table", "rejected"):
                    (folder / f"{name}-{rows}.{part}.pkl").unlink(missing_ok=True)
        if not args.no_served:
            served(predictors, folder, codes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
