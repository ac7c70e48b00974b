import mlflow
import pandas as pd
import pytest

from atomdl.pretraining import AtomEncoder, EncoderConfig, TrainingConfig, element_vectors, train
from atomdl.pretraining.tracking import MODEL_NAME, epoch_logger, log_pretraining


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


def test_a_pretraining_run_records_params_metrics_and_a_loadable_model(
    tracking_store, corpus, vocabulary
):
    encoder = EncoderConfig(len(vocabulary), n_layers=2, feedforward_dim=32)
    config = TrainingConfig(epochs=2, batch_size=128, learning_rate=1e-2)
    with mlflow.start_run() as run:
        result = train(corpus, encoder, config, on_epoch_end=epoch_logger(), progress=False)
        vectors = element_vectors(result.model, vocabulary["token"].tolist())
        log_pretraining(result, vectors, corpus.sha256(), len(corpus))

    client = mlflow.MlflowClient(tracking_store)
    recorded = client.get_run(run.info.run_id)
    assert recorded.data.params["training_data_sha256"] == corpus.sha256()
    assert recorded.data.tags["device"] == "cpu" and "torch" in recorded.data.tags
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
    model = mlflow.pytorch.load_model(f"runs:/{run.info.run_id}/{MODEL_NAME}")
    assert isinstance(model, AtomEncoder)
    assert model.token_embedding.weight.shape == (len(vocabulary), 16)
    path = mlflow.artifacts.download_artifacts(
        run_id=run.info.run_id, artifact_path="atom_dl_vectors.csv", tracking_uri=tracking_store
    )
    assert pd.read_csv(path, index_col=0).index.tolist() == vectors.index.tolist()
