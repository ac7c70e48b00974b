"""The settings of the encoder and of its training: the one place of each default.

Torch-free, so that the parameter models (``atomdl.parameters``, read by every ``kedro``
command) take their defaults from here without importing torch.
"""

from __future__ import annotations

from dataclasses import MISSING, asdict, dataclass, field, fields

__all__ = ["EncoderConfig", "TrainingConfig", "defaults"]


@dataclass(frozen=True)
class EncoderConfig:
    vocabulary_size: int
    embedding_dim: int = 16
    n_layers: int = 8
    n_heads: int = 8
    feedforward_dim: int = 64
    dropout: float = 0.1
    attention_dropout: float = 0.0
    #: names of the properties the regression head predicts (none: the paper's encoder)
    properties: tuple[str, ...] = ()
    property_means: tuple[float, ...] = ()
    property_scales: tuple[float, ...] = ()

    def __post_init__(self):
        for name in ("properties", "property_means", "property_scales"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        k = len(self.properties)
        if len(self.property_means) not in (0, k) or len(self.property_scales) not in (0, k):
            raise ValueError(
                f"{k} properties but {len(self.property_means)} means and "
                f"{len(self.property_scales)} scales"
            )

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class TrainingConfig:
    epochs: int = 80
    batch_size: int = 256
    learning_rate: float = 1e-3
    weight_decay: float = 0.01
    warmup_fraction: float = 0.05
    max_grad_norm: float = 1.0
    validation_fraction: float = 0.02
    bucket_batches: int = 50  # batches per length-sorted chunk
    seed: int = 0
    device: str = "auto"
    compile: bool = False  # torch.compile(mode="reduce-overhead"): CUDA graphs on a GPU
    #: property-aware pretraining: loss weight of each property the corpus carries (the
    #: corpus must be built with exactly these, in this order); empty: the paper's two losses
    property_weights: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def defaults(config: type) -> dict:
    """The defaults of a config dataclass by field name (fields without one left out): what
    the parameter models use, so that no default is written twice."""
    values = {}
    for f in fields(config):
        if f.default is not MISSING:
            values[f.name] = f.default
        elif f.default_factory is not MISSING:
            values[f.name] = f.default_factory()
    return values
