"""What was stored under the old module layout (``atomdl.pretraining.encoder``) still loads."""

import pickle

import pytest
import torch

from atomdl.pretraining import AtomEncoder, EncoderConfig, load_encoder
from atomdl.pretraining.release import RELEASES, _file


@pytest.mark.parametrize("release", RELEASES)
def test_the_committed_releases_name_the_old_module_and_load(release):
    raw = _file("atom_encoder.pkl", release).read_bytes()
    assert b"atomdl.pretraining.encoder" in raw  # pickled before the split
    loaded = pickle.loads(raw)
    assert isinstance(loaded, AtomEncoder) and not loaded.training
    assert loaded.element_vectors().shape == (86, 16)


def test_an_encoder_pickled_through_the_old_path_loads(vocabulary, tmp_path):
    """A pickle that names the shim's ``_from_artefact`` (what every older stored encoder,
    checkpoint and fine-tuned estimator holds) gives back the same encoder."""
    from atomdl.pretraining import encoder as old

    model = AtomEncoder(EncoderConfig(len(vocabulary), n_layers=1), vocabulary["token"])
    # protocol 0 names globals as text, so the old module path can be written in
    raw = pickle.dumps(model, protocol=0)
    assert b"catomdl.pretraining.model\n_from_artefact\n" in raw
    path = tmp_path / "old.pkl"
    path.write_bytes(raw.replace(b"atomdl.pretraining.model\n", b"atomdl.pretraining.encoder\n"))
    loaded = load_encoder(path)
    for name, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[name], value)
    assert old.AtomEncoder is AtomEncoder and old.EncoderConfig is EncoderConfig
