"""A stored representation set edited behind its manifest is refused in one line naming the
file and the command that remakes it (through Kedro's catalog, as a run meets it)."""

import pandas as pd
import pytest
from kedro.io import DataCatalog, DatasetError

from atomdl.cli import expected_error_message
from atomdl.representations import Representation

NAME = "feature_element_representations"
REMAKE = "rerun `kedro run --pipelines representations` to make the set again"


@pytest.fixture
def stored(tmp_path):
    """A catalog holding a saved set of two representations, and the saved folder."""
    catalog = DataCatalog.from_config(
        {NAME: {"type": "atomdl.datasets.RepresentationsDataset",
                "filepath": str(tmp_path / "element_representations"), "versioned": True}}
    )  # fmt: skip
    vectors = pd.DataFrame({"d0": [1.0, 2.0]}, index=pd.Index(["Na", "Cl"], name="symbol"))
    catalog.save(NAME, {n: Representation(n, vectors, "test") for n in ("a", "b")})
    (folder,) = (tmp_path / "element_representations").glob("*/element_representations")
    return catalog, folder


def _shown(catalog):
    with pytest.raises(DatasetError) as caught:
        catalog.load(NAME)
    return expected_error_message(caught.value)


def test_an_edited_vector_file_is_one_line_naming_it_and_the_command(stored):
    catalog, folder = stored
    (folder / "b.csv").write_text("symbol,d0\nNa,1.0\nCl,2.5\n")
    assert _shown(catalog) == (
        f"{NAME}: {folder / 'b.csv'} does not match its manifest entry (changed after it was "
        f"saved?): {REMAKE}"
    )


def test_a_removed_or_unparsable_vector_file_is_named_too(stored):
    catalog, folder = stored
    (folder / "a.csv").write_text("element,d0\nNa,1.0\n")  # its index column renamed
    shown = _shown(catalog)
    assert shown.startswith(f"{NAME}: {folder / 'a.csv'} could not be read as its manifest")
    assert shown.endswith(REMAKE) and "\n" not in shown
    (folder / "a.csv").unlink()
    assert (
        _shown(catalog)
        == f"{NAME}: {folder / 'a.csv'} is missing (its manifest lists it): {REMAKE}"
    )
