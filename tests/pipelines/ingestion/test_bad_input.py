"""Bad raw files through real Kedro runs: each is reported row by row, or refused as a whole with
one message naming the dataset, the file and the problem (docs/bad_input.md)."""

from __future__ import annotations

import gzip
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from kedro.io import DatasetError

from atomdl.cli import expected_error_message
from tests.c2db_sample import small_c2db_export
from tests.conftest import EMBEDDED, latest_version

pytestmark = pytest.mark.integration

DEEP = "(" * 2500 + "H" + ")" * 2500  # 5,000 characters of nesting
HUGE = "H" + "2" * 400  # an amount beyond a float

#: Matbench expt_gap rows as written in the file, and what ingestion must make of each.
EXPT_GAP_CASES = [
    ("NaCl", "8.5", None),
    ("NaN", "1.0", None),  # sodium nitride, not a missing value
    ("None", "0.5", "unknown element symbol 'None'"),  # read as text, then parsed
    ("KBr", "inf", "target: inf is not a finite number"),
    ("KCl", "1e400", "target: inf is not a finite number"),
    ("LiF", "-1.5", "target: -1.5 is negative (a band gap is >= 0)"),
    ("CsI", "abc", "target: 'abc' is not a number"),
    ("RbF", "", "target: missing"),
    (HUGE, "1.0", "amount of H is too large"),
    (DEEP, "1.0", None),
    ("(" * 2500 + "H", "1.0", "unbalanced bracket: missing ')'"),
    ("Na", "1.0", None),
]


def _session_run(project: Path, **run_args) -> None:
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    bootstrap_project(project)
    with KedroSession.create(project_path=project) as session:
        session.run(**run_args)


def _write(path: Path, rows: list[tuple], columns: list[str]) -> None:
    pd.DataFrame(rows, columns=columns, dtype=str).to_csv(path, index=False)


def test_every_bad_expt_gap_row_is_reported_and_the_rest_is_typed(make_project):
    project = make_project({"oqmd_formulas.csv.gz": EMBEDDED / "oqmd_formulas.csv.gz"})
    raw = project / "data" / "01_raw" / "matbench_expt_gap.csv"
    _write(raw, [case[:2] for case in EXPT_GAP_CASES], ["formula", "target"])
    _session_run(project, node_names=["ingestion.parse_expt_gap_compositions"])

    rejects = pd.read_csv(latest_version(project / "data/08_reporting/expt_gap_rejects.csv"))
    accepted = pd.read_parquet(project / "data/03_primary/expt_gap_compositions.parquet")
    assert len(accepted) + len(rejects) == len(EXPT_GAP_CASES)
    expected = {row: reason for row, (_, _, reason) in enumerate(EXPT_GAP_CASES) if reason}
    reasons = dict(zip(rejects["row"], rejects["reason"], strict=True))
    assert reasons.keys() == expected.keys()
    for row, reason in expected.items():
        assert reason in reasons[row], (row, reasons[row])
    assert accepted["formula"].tolist() == ["NaCl", "NaN", DEEP, "Na"]
    assert accepted["target"].dtype == float and accepted["target"].tolist() == [8.5, 1, 1, 1]
    assert list(accepted["elements"].iloc[1]) == ["Na", "N"]


def test_oqmd_rows_with_text_targets_are_rejected_and_missing_gaps_are_allowed(make_project):
    oqmd = pd.read_csv(
        EMBEDDED / "oqmd_formulas.csv.gz", nrows=50, dtype=str, keep_default_na=False
    )
    oqmd.loc[3, "band_gap_ev"] = "abc"
    oqmd.loc[4, "band_gap_ev"] = ""
    oqmd.loc[5, "volume_per_atom_a3"] = "-2"
    oqmd.loc[6, "formula"] = DEEP
    oqmd.loc[7, "formula"] = "NaN"
    project = make_project(
        {"oqmd_formulas.csv.gz": oqmd, "matbench_expt_gap.csv": EMBEDDED / "matbench_expt_gap.csv"}
    )
    _session_run(project, node_names=["ingestion.parse_oqmd_compositions"])

    rejects = pd.read_csv(latest_version(project / "data/08_reporting/oqmd_rejects.csv"))
    corpus = pd.read_parquet(project / "data/03_primary/oqmd_compositions.parquet")
    assert dict(zip(rejects["row"], rejects["reason"], strict=True)) == {
        3: "band_gap_ev: 'abc' is not a number",
        5: "volume_per_atom_a3: -2.0 is not positive (a volume is > 0)",
    }
    assert len(corpus) == 48 and {4, 6, 7} <= set(corpus["row"])
    numeric = ["formation_enthalpy_ev_per_atom", "band_gap_ev", "energy_per_atom_ev"]
    assert all(pd.api.types.is_float_dtype(t) for t in corpus[numeric].dtypes)
    assert corpus.loc[corpus["row"] == 4, "band_gap_ev"].isna().item()


def test_c2db_duplicates_and_impossible_values_are_rejected(make_project):
    export = small_c2db_export()
    gap, area, volume = (next(c for c in export.columns if c.startswith(n)) for n in
                         ("Band gap ", "Area of unit-cell", "Volume"))  # fmt: skip
    export.loc[0, volume] = "0"  # used to crash with ZeroDivisionError
    export.loc[2, gap] = "inf"
    export.loc[4, gap] = "-0.3"
    export.loc[5, area] = "-5"
    export = pd.concat([export, export.iloc[[1, 3]]], ignore_index=True)  # two repeated rows
    project = make_project({"c2db_table_export.csv": export})
    _session_run(project, node_names=["ingestion.clean_c2db_export", "ingestion.build_janus_table"])

    rejects = pd.read_csv(latest_version(project / "data/08_reporting/janus_rejects.csv"))
    janus = pd.read_parquet(project / "data/03_primary/janus_materials.parquet")
    reasons = dict(zip(rejects["row"], rejects["reason"], strict=True))
    assert reasons == {
        0: "Volume: 0.0 is not positive (a volume is > 0)",
        2: "Band gap: inf is not a finite number",
        4: "Band gap: -0.3 is negative (a band gap is >= 0)",
        5: "Area of unit-cell: -5.0 is not positive (an area is > 0)",
        8: f"Unique identifier: {export.iloc[8, -1]!r} repeats row 1",
        9: f"Unique identifier: {export.iloc[9, -1]!r} repeats row 3",
    }
    assert len(janus) + len(rejects) == 8  # the Janus rows in: 6 + 2 repeated
    assert janus["uid"].is_unique


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "data/01_raw/matbench_expt_gap.csv: the file is empty"),
        (b"formula,target\n", "no data rows (header only)"),
        (b"composition,target\nNaCl,8.5\n", "no 'formula' column: the Matbench expt_gap table"),
        (b'formula,target\n"NaCl,8.5\n', "not a readable CSV table"),
        (b"formula,target\n\xff\xfe,1\n", "not a readable CSV table"),
        (
            b"formula,target\nXx,1\nYy,2\n",
            "all 2 rows of the Matbench expt_gap table were rejected",
        ),
    ],
)
def test_a_file_unusable_as_a_whole_stops_the_run_naming_dataset_and_file(
    make_project, content, message
):
    project = make_project({"oqmd_formulas.csv.gz": EMBEDDED / "oqmd_formulas.csv.gz"})
    (project / "data" / "01_raw" / "matbench_expt_gap.csv").write_bytes(content)
    with pytest.raises(Exception) as caught:
        _session_run(project, node_names=["ingestion.parse_expt_gap_compositions"])
    shown = expected_error_message(caught.value)
    assert shown is not None and message in shown
    if isinstance(caught.value, DatasetError):
        where = project / "data" / "01_raw" / "matbench_expt_gap.csv"
        assert shown.startswith(f"raw_matbench_expt_gap: {where}: ")


def test_a_corrupt_compressed_corpus_is_named(make_project):
    project = make_project({"matbench_expt_gap.csv": EMBEDDED / "matbench_expt_gap.csv"})
    corpus = project / "data" / "01_raw" / "oqmd_formulas.csv.gz"
    corpus.write_bytes(gzip.compress(b"formula,band_gap_ev\nNaCl,1\n")[:20])  # cut short
    with pytest.raises(DatasetError) as caught:
        _session_run(project, node_names=["ingestion.parse_oqmd_compositions"])
    assert expected_error_message(caught.value).startswith(
        f"raw_oqmd_formulas: {corpus}: not a readable CSV table"
    )


def test_kedro_run_prints_a_bad_file_in_one_line_and_verbose_brings_the_traceback(make_project):
    project = make_project({"oqmd_formulas.csv.gz": EMBEDDED / "oqmd_formulas.csv.gz"})
    (project / "data" / "01_raw" / "matbench_expt_gap.csv").write_text("formula,target\n")
    env = {k: v for k, v in os.environ.items() if k != "ATOMDL_TRACEBACK"}
    command = ["kedro", "run", "--nodes", "ingestion.parse_expt_gap_compositions"]

    plain = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    assert plain.returncode == 1, plain.stderr
    assert "Traceback" not in plain.stdout + plain.stderr
    assert plain.stderr.strip().splitlines()[-1] == (
        f"Error: raw_matbench_expt_gap: {project / 'data/01_raw/matbench_expt_gap.csv'}: no data "
        "rows (header only): the Matbench expt_gap table is empty"
    )
    verbose = subprocess.run([*command, "--verbose"], cwd=project, env=env, capture_output=True,
                             text=True)  # fmt: skip
    assert verbose.returncode == 1 and "BadInputFileError" in verbose.stdout + verbose.stderr
