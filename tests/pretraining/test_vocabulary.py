import pytest

from atomdl.pretraining import SPECIAL_TOKENS, build_vocabulary


def test_specials_first_then_elements_by_atomic_number():
    vocabulary = build_vocabulary([["O", "Fe"], ["H", "O"], ["Fe", "Cl"]])
    assert vocabulary["token"].tolist() == [*SPECIAL_TOKENS, "H", "O", "Cl", "Fe"]
    assert vocabulary["token_id"].tolist() == list(range(len(SPECIAL_TOKENS) + 4))
    assert vocabulary.loc[vocabulary["token"] == "[PAD]", "token_id"].item() == 0
    assert vocabulary.loc[vocabulary["kind"] == "element", "atomic_number"].tolist() == [
        1,
        8,
        17,
        26,
    ]


def test_rejects_non_elements():
    with pytest.raises(ValueError, match="not element symbols: \\['Xx'\\]"):
        build_vocabulary([["Xx", "O"]])
