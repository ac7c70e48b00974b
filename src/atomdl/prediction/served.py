"""A fitted predictor as one MLflow pyfunc model: featurization and regressor together, so that
``mlflow.pyfunc.load_model(uri).predict(pd.DataFrame({"formula": [...]}))`` works anywhere the
project's code is (it travels with the model as ``code_paths``)."""

from __future__ import annotations

import pandas as pd
from mlflow.pyfunc import PythonModel

__all__ = ["BandGapModel", "pyfunc_input_example"]


class BandGapModel(PythonModel):
    """One output row per input row, in order: ``predicted_band_gap`` (eV), ``uncertainty``,
    the domain flags, and ``rejected_reason`` for a row that could not be featurized."""

    def __init__(self, predictor):
        self.predictor = predictor

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        from atomdl.prediction.predictor import predict_band_gaps

        table = predict_band_gaps(pd.DataFrame(model_input).reset_index(drop=True), self.predictor)
        return table.astype({c: "object" for c in table.select_dtypes("string").columns})


def pyfunc_input_example(kind: str) -> pd.DataFrame:
    from atomdl.prediction.predictor import COMPOSITION

    if kind == COMPOSITION:
        return pd.DataFrame({"formula": ["GaN", "ZnO", "CsPbBr3"]})
    return pd.DataFrame(
        {"m": ["Mo", "W"], "x": ["S", "Se"], "y": ["Te", "Te"], "prototype": ["2H", "2H"]}
    )
