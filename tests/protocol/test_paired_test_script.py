"""scripts/paired_test.py pairs any two rows of a selection run on the folds they share."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from atomdl.protocol.statistics import corrected_resampled_ttest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "paired_test.py"
FIRST = [0.36, 0.40, 0.33, 0.38, 0.35]
SECOND = [0.39, 0.41, 0.37, 0.42, 0.36]


def _folds(tmp_path) -> Path:
    rows = [
        {"repeat": 0, "fold": f, "n_train": 3683, "n_test": 921, "mae": mae,
         "representation": representation, "model": model}
        for representation, model, values in (("composition", "finetune_x", FIRST),
                                              ("oliynyk", "two_stage", SECOND))
        for f, mae in enumerate(values)
    ]  # fmt: skip
    version = tmp_path / "expt_gap_cv_folds.csv" / "2026-01-01T00.00.00.000Z"
    version.mkdir(parents=True)
    pd.DataFrame(rows).to_csv(version / "expt_gap_cv_folds.csv", index=False)
    return tmp_path / "expt_gap_cv_folds.csv"


def _run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)],
                          capture_output=True, text=True)  # fmt: skip


def test_the_script_gives_the_corrected_t_test_of_the_two_rows(tmp_path):
    done = _run(_folds(tmp_path), "composition/finetune_x", "oliynyk/two_stage")
    assert done.returncode == 0, done.stderr
    t, p = corrected_resampled_ttest(FIRST, SECOND, 3683, 921)
    assert "0.364 vs oliynyk/two_stage 0.390 eV on 5 folds" in done.stdout
    assert f"t {t:.2f}, p {p:.3g}" in done.stdout
    assert t < 0 and "difference -0.026" in done.stdout  # the first is lower


@pytest.mark.parametrize("rows", [["composition/finetune_x", "oliynyk/krr"]])
def test_an_unknown_row_is_named_with_the_rows_there_are(tmp_path, rows):
    done = _run(_folds(tmp_path), *rows)
    assert done.returncode != 0
    assert "no folds for 'oliynyk/krr'" in done.stderr
    assert "oliynyk/two_stage" in done.stderr
