"""The predictor as an MLflow pyfunc model: loaded in a fresh Python, and served over HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from atomdl.prediction import fit_composition_predictor
from tests.prediction.test_predictor import KRR, _toy_compositions, _toy_representation


@pytest.fixture(scope="module")
def logged_model(tmp_path_factory):
    """The toy predictor logged as the pipeline logs it (code_paths: the atomdl package)."""
    import mlflow

    import atomdl
    from atomdl.prediction.served import log_band_gap_model

    folder = tmp_path_factory.mktemp("mlflow")
    predictor = fit_composition_predictor(_toy_compositions(), _toy_representation(), "krr", KRR)
    # a store of its own, and no experiment chosen by an earlier test in this process
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mlflow.tracking.fluent, "_active_experiment_id", None)
        patch.delenv("MLFLOW_EXPERIMENT_ID", raising=False)  # mlflow.set_experiment sets it
        mlflow.set_tracking_uri(f"sqlite:///{folder / 'mlflow.db'}")
        try:
            with mlflow.start_run():
                info = log_band_gap_model(
                    predictor,
                    "band_gap_model",
                    [os.path.dirname(atomdl.__file__)],
                    ["scikit-learn"],
                )
        finally:
            mlflow.set_tracking_uri(None)
    return folder, info.model_uri, predictor


def test_pyfunc_model_loads_and_predicts_in_a_fresh_python(logged_model):
    folder, uri, predictor = logged_model
    script = (
        "import json, mlflow, pandas as pd\n"
        f"mlflow.set_tracking_uri('sqlite:///{folder / 'mlflow.db'}')\n"
        f"model = mlflow.pyfunc.load_model({uri!r})\n"
        "out = model.predict(pd.DataFrame({'formula': ['KBr', 'Li2S', 'Xx']}))\n"
        "print(json.dumps(out[['formula', 'predicted_band_gap', 'interval_low', 'interval_high',"
        " 'gap_probability', 'rejected_reason']].to_dict('records')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=folder
    )
    assert done.returncode == 0, done.stderr[-2000:]
    rows = json.loads(done.stdout.strip().splitlines()[-1])
    expected = predictor.predict(["KBr", "Li2S"]).table
    for column in ("predicted_band_gap", "interval_low", "interval_high"):
        assert [r[column] for r in rows[:2]] == pytest.approx(expected[column].tolist())
    assert all(r["interval_low"] < r["interval_high"] for r in rows[:2])
    assert all(r["gap_probability"] != r["gap_probability"] for r in rows)  # NaN: KRR, no gate
    assert rows[2]["formula"] == "Xx" and "Xx" in rows[2]["rejected_reason"]


def test_served_model_answers_a_post_on_localhost(logged_model):
    folder, uri, predictor = logged_model
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "models",
            "serve",
            "-m",
            uri,
            "--env-manager",
            "local",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env={**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{folder / 'mlflow.db'}"},
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2)
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()[-2000:]
                assert time.monotonic() < deadline, "the model server did not start in 120 s"
                time.sleep(0.5)
        body = json.dumps({"dataframe_split": {"columns": ["formula"], "data": [["KBr"]]}})
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/invocations",
            data=body.encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read().replace(b"NaN", b"null"))
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    (row,) = answer["predictions"]
    expected = predictor.predict(["KBr"]).table.iloc[0]
    assert row["formula"] == "KBr" and row["predicted_band_gap"] == pytest.approx(
        expected["predicted_band_gap"]
    )
    assert row["interval_low"] == pytest.approx(expected["interval_low"])
    assert row["interval_high"] == pytest.approx(expected["interval_high"])


def test_the_served_model_carries_the_users_columns_through(logged_model):
    """No signature to drop what it does not name (docs/prediction.md: carried through)."""
    import mlflow
    import pandas as pd

    folder, uri, _ = logged_model
    mlflow.set_tracking_uri(f"sqlite:///{folder / 'mlflow.db'}")
    try:
        model = mlflow.pyfunc.load_model(uri)
    finally:
        mlflow.set_tracking_uri(None)
    answer = model.predict(pd.DataFrame({"formula": ["KBr", "Xx"], "sample": ["s1", "s2"]}))
    assert list(answer["sample"]) == ["s1", "s2"]
    assert answer["predicted_band_gap"].notna().tolist() == [True, False]
    assert model.metadata.get_input_schema() is None and model.input_example is not None
