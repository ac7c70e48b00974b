import mlflow
import pandas as pd
import pytest

from atomdl.pretraining import AtomEncoder, EncoderConfig, TrainingConfig, train
from atomdl.tracking.mlflow_io import log_record
from atomdl.tracking.pretraining import epoch_logger, pretraining_record


@pytest.fixture
def tracking_store(tmp_path, monkeypatch):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment("pretraining-test")  # not an experiment id left by an earlier session
    yield uri
    mlflow.set_tracking_uri(None)


def test_nothing_is_logged_without_an_active_run():
    assert mlflow.active_run() is None and epoch_logger() is None


def test_a_pretraining_run_records_its_curves_and_its_record(tracking_store, corpus, vocabulary):
    encoder = EncoderConfig(len(vocabulary), n_layers=2, feedforward_dim=32)
    config = TrainingConfig(epochs=2, batch_size=128, learning_rate=1e-2)
    with mlflow.start_run() as run:
        result = train(corpus, encoder, config, on_epoch_end=epoch_logger(), progress=False)
        record = pretraining_record(result, corpus.sha256(), len(corpus))
        log_record(record)
        mlflow.pytorch.log_model(result.model, name="atom_encoder", serialization_format="pickle")

    assert record["metrics"]["training_seconds"] == result.seconds
    client = mlflow.MlflowClient(tracking_store)
    recorded = client.get_run(run.info.run_id)
    assert recorded.data.params["training_data_sha256"] == corpus.sha256()
    assert recorded.data.params["training_formulas"] == str(len(corpus))
    assert recorded.data.tags["device"] == "cpu" and "torch" in recorded.data.tags
    assert recorded.data.tags["resumed_from_epoch"] == "0"
    for metric in (
        "loss_lm",
        "loss_label",
        "atom_accuracy",
        "pair_accuracy",
        "val_loss_lm",
        "val_pair_accuracy",
        "samples_per_second",
    ):
        history = client.get_metric_history(run.info.run_id, metric)
        assert [m.step for m in history] == [1, 2], metric
    # the MLflow model is the encoder with its tokens: it gives its vectors on its own
    model = mlflow.pytorch.load_model(f"runs:/{run.info.run_id}/atom_encoder")
    assert isinstance(model, AtomEncoder) and model.tokens == vocabulary["token"].tolist()
    pd.testing.assert_frame_equal(model.element_vectors(), result.model.element_vectors())


def test_a_run_record_refuses_unknown_parts():
    with pytest.raises(ValueError, match="not \\['artifacts'\\]"):
        log_record({"params": {}, "artifacts": {}})
