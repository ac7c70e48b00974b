"""The token vocabulary of the atom encoder: special tokens, then every element seen, by Z."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from atomdl.chemistry import element_table

__all__ = ["SPECIAL_TOKENS", "build_vocabulary"]

#: Special tokens, in id order: padding is id 0 so that zero-filled batches are padding.
SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def build_vocabulary(element_lists: Iterable[Iterable[str]]) -> pd.DataFrame:
    """Vocabulary table with columns ``token_id, token, kind, atomic_number``.

    Elements come after the special tokens in order of atomic number, so the same corpus always
    gives the same ids.
    """
    seen = {symbol for elements in element_lists for symbol in elements}
    table = element_table()
    unknown = sorted(seen - set(table.index))
    if unknown:
        raise ValueError(f"not element symbols: {unknown}")
    elements = table.loc[sorted(seen, key=lambda s: table.at[s, "atomic_number"])]
    tokens = list(SPECIAL_TOKENS) + list(elements.index)
    return pd.DataFrame(
        {
            "token_id": range(len(tokens)),
            "token": tokens,
            "kind": ["special"] * len(SPECIAL_TOKENS) + ["element"] * len(elements),
            "atomic_number": [0] * len(SPECIAL_TOKENS)
            + elements["atomic_number"].astype(int).tolist(),
        }
    )
