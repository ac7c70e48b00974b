import pandas as pd
import pytest

from atomdl.chemistry import class_key
from atomdl.materials import parse_composition_table
from atomdl.pretraining import build_vocabulary
from tests.conftest import EMBEDDED


@pytest.fixture(scope="session")
def oqmd_slice() -> pd.DataFrame:
    """About 3,000 real OQMD formulas, parsed as ingestion does."""
    raw = pd.read_csv(EMBEDDED / "oqmd_formulas.csv.gz").sample(3000, random_state=0)
    table = parse_composition_table(raw.reset_index(drop=True), max_atoms=30, integer_amounts=True)
    return table.accepted


@pytest.fixture(scope="session")
def vocabulary(oqmd_slice) -> pd.DataFrame:
    return build_vocabulary(oqmd_slice["elements"])


@pytest.fixture(scope="session")
def corpus(oqmd_slice, vocabulary):
    from atomdl.pretraining import Corpus

    return Corpus.from_compositions(oqmd_slice, vocabulary)


def hand_made(formulas: list[str]) -> pd.DataFrame:
    from atomdl.chemistry import parse_formula

    parsed = [parse_formula(f) for f in formulas]
    return pd.DataFrame(
        {
            "formula": formulas,
            "elements": [list(p) for p in parsed],
            "amounts": [list(p.values()) for p in parsed],
            "class_key": [class_key(p) for p in parsed],
        }
    )
