"""The pretrained (or random) encoder and a regression head, fine-tuned end to end on band
gaps as one scikit-learn regressor, :class:`EncoderRegressor`.

It is a regressor so that the model-selection protocol scores it on the same outer folds as RF,
KRR and SVR. Its input is the element-amounts table (``atomdl.features.amounts_table``: the
amount of each of the encoder's elements, then any extra features such as Janus structure
features); each material is one sequence ``[CLS] elements [SEP]`` with one position per element
weighted by its amount (exactly the written-out formula, see
:meth:`atomdl.pretraining.AtomEncoder.encode`), and the head reads the amount-weighted mean of
the element positions, joined with the extra features.

* Early stopping: a validation split is carved from the rows given to ``fit`` (the outer
  training part, when the protocol calls it) by the estimator's ``random_state``; training
  stops when its MAE has not improved for ``patience`` epochs, and the weights of the best
  epoch are kept. Nothing outside ``fit``'s rows is ever seen.
* Targets and extra features are standardised on the rows trained on; the loss is L1 (the
  metric reported), the optimiser AdamW, one learning rate for the head and
  ``encoder_learning_rate`` for the pretrained encoder.
* Seeded: the same rows and ``random_state`` give the same model (CPU).
* ``device``: where it trains (``cpu``, ``cuda``, or ``auto``: cuda when there is one); the
  fitted model is kept and predicts on the CPU, so it pickles and predicts anywhere.
"""

from __future__ import annotations

import copy
import numbers
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, check_non_negative, validate_data
from torch import nn
from torch.nn import functional as F

from atomdl.pretraining.config import EncoderConfig
from atomdl.pretraining.model import AtomEncoder, load_encoder
from atomdl.pretraining.release import RELEASES
from atomdl.pretraining.tokenizer import Tokenizer

__all__ = ["STARTS", "EncoderRegressor", "start_encoder"]

#: AdamW as one kernel over all parameters: the same steps, faster epochs on CPU
#: (benchmarks/finetuning_speed.py)
FUSED_OPTIMIZER = True
#: named starting points: the released encoders, or the paper's architecture at random weights
STARTS = (*RELEASES, "random")


def start_encoder(start, seed: int = 0) -> AtomEncoder:
    """A fresh copy of the encoder fine-tuning starts from: ``paper`` (the committed release),
    ``property_aware`` (the property-aware release), ``random`` (the paper release's
    architecture and vocabulary, weights drawn from ``seed``), or an encoder / its file."""
    from atomdl.pretraining.release import released_encoder

    if isinstance(start, str) and start in STARTS:
        if start == "random":
            paper = released_encoder()
            with torch.random.fork_rng():
                torch.manual_seed(seed)
                config = EncoderConfig(**{**paper.config.to_dict(), "properties": (),
                                          "property_means": (), "property_scales": ()})  # fmt: skip
                return AtomEncoder(config, paper.tokens)
        return released_encoder(start)
    if isinstance(start, AtomEncoder):  # copied first: loading sets eval mode, on the copy only
        return load_encoder(copy.deepcopy(start))
    if isinstance(start, (str, Path, dict)):
        return copy.deepcopy(load_encoder(start))
    raise ValueError(f"start must be one of {STARTS}, an encoder or its file; got {start!r}")


def _copied(state: dict) -> dict:
    """The best epoch's weights, kept apart from training (``copy.deepcopy`` of a state dict,
    without its per-tensor bookkeeping: 6% of a Janus fine-tune went there)."""
    return {name: tensor.detach().clone() for name, tensor in state.items()}


class _MaterialModel(nn.Module):
    """Encoder -> amount-weighted mean of the element positions (+ extra features) -> head."""

    def __init__(self, encoder: AtomEncoder, n_extra: int, hidden: int, dropout: float):
        super().__init__()
        self.encoder = encoder
        d = encoder.config.embedding_dim
        self.head = nn.Sequential(
            nn.Linear(d + n_extra, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, 1)
        )

    def forward(self, tokens, counts, extra):
        hidden = self.encoder.encode(tokens, torch.zeros_like(tokens), counts)
        weights = Tokenizer(self.encoder.tokens).atom_weights(tokens, counts)
        pooled = (weights[..., None] * hidden).sum(1) / weights.sum(1, keepdim=True)
        return self.head(torch.cat([pooled, extra], dim=1)).squeeze(-1)


class EncoderRegressor(RegressorMixin, BaseEstimator):
    """Fine-tune an encoder on an element-amounts table: the first columns are the amounts of
    the encoder's elements, in its order (non-negative, at least one element per row); any
    further columns are extra features joined at the head.

    ``random_state``: an int seeds the validation split, the head's initial weights, the
    batches and a ``random`` start's weights (the registry passes the protocol's seed); ``None``
    or a ``RandomState`` draws that int when ``fit`` starts.
    """

    def __init__(
        self,
        start="paper",
        epochs: int = 300,
        patience: int = 30,
        batch_size: int = 64,
        learning_rate: float = 1e-3,
        encoder_learning_rate: float = 3e-4,
        weight_decay: float = 0.01,
        validation_fraction: float = 0.1,
        head_hidden: int = 64,
        head_dropout: float = 0.1,
        random_state=0,
        threads: int | None = 1,
        device: str = "cpu",
    ):
        self.start = start
        self.epochs = epochs
        self.patience = patience
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.encoder_learning_rate = encoder_learning_rate
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.head_hidden = head_hidden
        self.head_dropout = head_dropout
        self.random_state = random_state
        self.threads = threads
        self.device = device

    # -- scikit-learn API ------------------------------------------------------------------

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # the amount columns must be (the extra features need not): scikit-learn's estimator
        # checks then give non-negative data
        tags.input_tags.positive_only = True
        return tags

    def fit(self, X, y):
        started = time.perf_counter()
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        y = y.astype(float)
        seed = self._seed()
        with self._threads():
            encoder = start_encoder(self.start, seed)
            self._layout(encoder, X)
            tokens, counts, extra = self._sequences(encoder, X)
            rng = np.random.default_rng(seed)
            order = rng.permutation(len(X))
            n_validation = max(1, int(round(self.validation_fraction * len(X))))
            if len(X) - n_validation < 2:
                raise ValueError(
                    f"{len(X)} sample(s) are too few to fine-tune with early stopping "
                    f"(validation_fraction {self.validation_fraction})"
                )
            validation, train = np.sort(order[:n_validation]), np.sort(order[n_validation:])
            #: rows of ``fit``'s X used for early stopping only (never trained on)
            self.validation_rows_ = validation
            self.extra_mean_ = extra[train].mean(axis=0) if extra.shape[1] else np.zeros(0)
            scale = extra[train].std(axis=0) if extra.shape[1] else np.zeros(0)
            self.extra_scale_ = np.where(scale > 0, scale, 1.0)
            self.target_mean_, self.target_scale_ = float(y[train].mean()), float(y[train].std())
            self.target_scale_ = self.target_scale_ or 1.0
            extra = (extra - self.extra_mean_) / self.extra_scale_
            standardised = (y - self.target_mean_) / self.target_scale_
            torch.manual_seed(seed)
            model = _MaterialModel(encoder, extra.shape[1], self.head_hidden, self.head_dropout)
            device = self._device()
            data = [torch.from_numpy(a).to(device)
                    for a in (tokens, counts, extra.astype(np.float32))]  # fmt: skip
            model, self.history_ = self._train(model.to(device), data, standardised, train,
                                               validation, y, rng)  # fmt: skip
            self.model_ = model.cpu()
        self.best_epoch_ = int(min(self.history_, key=lambda h: h["validation_mae"])["epoch"])
        self.fit_seconds_ = time.perf_counter() - started
        return self

    def predict(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        with self._threads():
            tokens, counts, extra = self._sequences(self.model_.encoder, X)
            extra = ((extra - self.extra_mean_) / self.extra_scale_).astype(np.float32)
            data = [torch.from_numpy(a) for a in (tokens, counts, extra)]
            standardised = self._predict(self.model_, data, np.arange(len(X)))
        return standardised * self.target_scale_ + self.target_mean_

    # -- inside ----------------------------------------------------------------------------

    def _seed(self) -> int:
        """The int that seeds everything random in ``fit``: ``random_state`` itself when it is
        one (as the registry passes it), else drawn from it."""
        if isinstance(self.random_state, numbers.Integral):
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def _layout(self, encoder: AtomEncoder, X: np.ndarray) -> None:
        """How many of ``X``'s first columns are element amounts; checks they are there."""
        self.n_elements_ = sum(not t.startswith("[") for t in encoder.tokens)
        if X.shape[1] < self.n_elements_:
            raise ValueError(
                f"{X.shape[1]} feature(s), fewer than the encoder's {self.n_elements_} elements: "
                "the input is an element-amounts table (atomdl.features.amounts_table)"
            )
        check_non_negative(X[:, : self.n_elements_], f"{type(self).__name__} (amount columns)")

    def _sequences(self, encoder: AtomEncoder, X: np.ndarray):
        """Token ids and counts ([CLS] elements [SEP], padded) and the extra features."""
        tokens, counts = Tokenizer(encoder.tokens).sequences(X[:, : self.n_elements_])
        return tokens, counts, X[:, self.n_elements_ :]

    def _train(self, model, data, standardised, train, validation, y, rng):
        encoder_parameters = list(model.encoder.parameters())
        optimiser = torch.optim.AdamW(
            [
                {"params": encoder_parameters, "lr": self.encoder_learning_rate},
                {"params": list(model.head.parameters()), "lr": self.learning_rate},
            ],
            weight_decay=self.weight_decay,
            fused=FUSED_OPTIMIZER,
        )
        device = data[0].device
        targets = torch.from_numpy(standardised.astype(np.float32)).to(device)
        best, best_mae, waited, history = None, np.inf, 0, []
        for epoch in range(1, self.epochs + 1):
            model.train()
            shuffled = train[rng.permutation(len(train))]
            total = 0.0
            for start in range(0, len(shuffled), self.batch_size):
                batch = torch.from_numpy(shuffled[start : start + self.batch_size]).to(device)
                predicted = model(*(d[batch] for d in data))
                loss = F.l1_loss(predicted, targets[batch])
                optimiser.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimiser.step()
                total += float(loss.detach()) * len(batch)
            predicted = self._predict(model, data, validation)
            mae = float(np.mean(np.abs(predicted * self.target_scale_ + self.target_mean_
                                       - y[validation])))  # fmt: skip
            history.append({"epoch": epoch, "train_loss": total / len(train),
                            "validation_mae": mae})  # fmt: skip
            if mae < best_mae - 1e-6:
                best, best_mae, waited = _copied(model.state_dict()), mae, 0
            else:
                waited += 1
                if waited >= self.patience:
                    break
        model.load_state_dict(best)
        return model.eval(), history

    @torch.no_grad()
    def _predict(self, model, data, rows, chunk: int = 1024) -> np.ndarray:
        model.eval()
        out = []
        for start in range(0, len(rows), chunk):
            part = torch.from_numpy(np.asarray(rows[start : start + chunk])).to(data[0].device)
            out.append(model(*(d[part] for d in data)).float().cpu().numpy())
        return np.concatenate(out).astype(float) if out else np.zeros(0)

    def _device(self) -> torch.device:
        if self.device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        if str(self.device).startswith("cuda") and not torch.cuda.is_available():
            raise ValueError(f"device {self.device!r} asked for, but torch sees no CUDA device")
        return torch.device(self.device)

    @contextmanager
    def _threads(self):
        """Units of work run side by side, one per process: one torch thread each by default."""
        before = torch.get_num_threads()
        if self.threads:
            torch.set_num_threads(int(self.threads))
        try:
            yield
        finally:
            torch.set_num_threads(before)
