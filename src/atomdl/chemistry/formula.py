"""Chemical formula parsing.

Formulas as they occur in OQMD, Matbench and C2DB tables: plain (``Co12Mn5Nd2``), fractional
(``Ag0.5Ge1Pb1.75S4``), bracketed and nested (``Ag(W3Br7)2``, ``K4[Fe(CN)6]``) and hydrates
(``CuSO4·5H2O``).

``parse_formulas`` parses a whole column at once: the plain case (symbols and amounts, nothing
else) is decoded in one NumPy pass over the column, each distinct symbol and amount string
being read once; every other formula goes through ``parse_formula``, which stays the single
definition of what is accepted and of the error messages. That is what makes parsing the OQMD
corpus an order of magnitude faster than ``pymatgen.core.Composition`` (benchmarks/).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from atomdl.chemistry.periodic import element_symbols

__all__ = ["FormulaError", "ParsedFormulas", "parse_formula", "parse_formulas"]

_AMOUNT = r"(?:\d+(?:\.\d*)?|\.\d+)"
_PLAIN = re.compile(rf"(?:[A-Z][a-z]?{_AMOUNT}?)+")
_PLAIN_TERM = re.compile(rf"([A-Z][a-z]?)({_AMOUNT})?")
_SYMBOL = re.compile(r"[A-Z][a-z]*")
_NUMBER = re.compile(_AMOUNT)
_HYDRATE_SEPARATORS = ("·", "•", "∙", "⋅", "*")
_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = {v: k for k, v in _OPEN.items()}


class FormulaError(ValueError):
    """A formula that cannot be read; the message names the formula and the reason."""

    def __init__(self, formula: object, reason: str):
        self.formula = formula
        self.reason = reason
        super().__init__(f"cannot parse formula {formula!r}: {reason}")


def parse_formula(formula: str) -> dict[str, float]:
    """Return element symbol -> amount (atoms per formula unit) in order of first appearance."""
    if not isinstance(formula, str):
        raise FormulaError(formula, f"expected a string, got {type(formula).__name__}")
    text = formula.strip()
    if not text:
        raise FormulaError(formula, "empty formula")
    known = element_symbols()
    if _PLAIN.fullmatch(text):
        amounts: dict[str, float] = {}
        for symbol, amount in _PLAIN_TERM.findall(text):
            if symbol not in known:
                raise FormulaError(formula, f"unknown element symbol {symbol!r}")
            value = float(amount) if amount else 1.0
            if value <= 0:
                raise FormulaError(formula, f"amount of {symbol} is zero")
            amounts[symbol] = amounts.get(symbol, 0.0) + value
        return _finite(formula, amounts)
    return _Parser(formula, text, known).parse()


class _Parser:
    """Bracketed formulas and hydrates, read left to right with an explicit stack of open
    brackets: nesting depth and length cost memory, never Python's recursion limit."""

    def __init__(self, formula: str, text: str, known: frozenset[str]):
        self.formula, self.text, self.known, self.pos = formula, text, known, 0

    def fail(self, reason: str) -> FormulaError:
        return FormulaError(self.formula, f"{reason} at position {self.pos}")

    def parse(self) -> dict[str, float]:
        total: dict[str, float] = {}
        while True:
            coefficient = self._number() or 1.0
            part = self._sequence()
            if not part:
                raise self.fail("expected an element symbol or '('")
            _add(total, {k: v * coefficient for k, v in part.items()})
            if self.pos == len(self.text):
                return _finite(self.formula, total)
            self.pos += 1  # a top-level sequence stops only at the end or a hydrate separator

    def _sequence(self) -> dict[str, float]:
        """One hydrate part: terms and bracketed groups up to a top-level separator or the end."""
        stack: list[tuple[dict[str, float], str | None]] = [({}, None)]
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            amounts, closing = stack[-1]
            if char in _OPEN:
                self.pos += 1
                stack.append(({}, _OPEN[char]))
            elif char in _CLOSE:
                if closing != char:
                    raise self.fail(f"unbalanced bracket {char!r}")
                self.pos += 1
                stack.pop()
                if not amounts:
                    raise self.fail("empty brackets")
                multiplier = self._amount()
                _add(stack[-1][0], {k: v * multiplier for k, v in amounts.items()})
            elif char.isupper():
                match = _SYMBOL.match(text, self.pos)
                symbol = match.group()
                if symbol not in self.known:
                    raise self.fail(f"unknown element symbol {symbol!r}")
                self.pos = match.end()
                _add(amounts, {symbol: self._amount()})
            elif char in _HYDRATE_SEPARATORS and closing is None:
                return amounts
            elif char.islower():
                raise self.fail(f"element symbol must start with a capital letter, found {char!r}")
            elif char == "-" or char == "−":
                raise self.fail("negative amount")
            elif char.isspace():
                raise self.fail("white space inside the formula")
            else:
                raise self.fail(f"unexpected character {char!r}")
        if len(stack) > 1:
            raise FormulaError(self.formula, f"unbalanced bracket: missing {stack[-1][1]!r}")
        return stack[0][0]

    def _number(self) -> float | None:
        match = _NUMBER.match(self.text, self.pos)
        if not match:
            return None
        self.pos = match.end()
        value = float(match.group())
        if value <= 0:
            raise self.fail("amount is zero")
        if not math.isfinite(value):
            raise self.fail(f"amount {_shortened(match.group())} is too large")
        return value

    def _amount(self) -> float:
        if self.text.startswith(("-", "−"), self.pos):
            raise self.fail("negative amount")
        value = self._number()
        return 1.0 if value is None else value


def _add(total: dict[str, float], part: dict[str, float]) -> None:
    for symbol, amount in part.items():
        total[symbol] = total.get(symbol, 0.0) + amount


def _finite(formula: object, amounts: dict[str, float]) -> dict[str, float]:
    """``amounts``, unless an amount or their sum overflows a float (huge or deeply multiplied
    numbers): such a formula is refused rather than carrying ``inf`` into the tables."""
    for symbol, amount in amounts.items():
        if not math.isfinite(amount):
            raise FormulaError(formula, f"amount of {symbol} is too large (not a finite number)")
    if not math.isfinite(sum(amounts.values())):
        raise FormulaError(formula, "the number of atoms is too large (not a finite number)")
    return amounts


def _shortened(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} digits)"


_MAX_AMOUNT_CHARS = 12
_PLAIN_AMOUNT = re.compile(_AMOUNT)


@dataclass(frozen=True)
class ParsedFormulas:
    """Many parsed formulas, column-wise: row ``i`` has the elements and amounts
    ``elements[offsets[i]:offsets[i + 1]]`` and ``amounts[...]`` (in order of first appearance),
    or no terms and an entry in ``errors``."""

    offsets: np.ndarray
    elements: np.ndarray
    amounts: np.ndarray
    errors: dict[int, FormulaError]

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def composition(self, row: int) -> dict[str, float]:
        """What :func:`parse_formula` returns for this row; raises its error for a bad row."""
        if row in self.errors:
            raise self.errors[row]
        start, stop = self.offsets[row], self.offsets[row + 1]
        return dict(
            zip(self.elements[start:stop].tolist(), self.amounts[start:stop].tolist(), strict=True)
        )


def parse_formulas(formulas: Sequence[object]) -> ParsedFormulas:
    """Parse a column of formulas; row by row the same results and errors as
    :func:`parse_formula`, with errors collected instead of raised."""
    formulas = list(formulas)
    if not formulas:
        return ParsedFormulas(
            np.zeros(1, dtype=np.int64), np.empty(0, dtype=object), np.empty(0), {}
        )
    fast = _parse_plain(formulas)
    fallback: dict[int, dict[str, float]] = {}
    errors: dict[int, FormulaError] = {}
    for row in np.flatnonzero(~fast.accepted).tolist():
        try:
            fallback[row] = parse_formula(formulas[row])
        except FormulaError as error:
            errors[row] = error

    counts = np.where(fast.accepted, fast.n_terms, 0)
    for row, amounts in fallback.items():
        counts[row] = len(amounts)
    offsets = np.concatenate(([0], np.cumsum(counts)))
    elements = np.empty(offsets[-1], dtype=object)
    values = np.empty(offsets[-1], dtype=float)
    keep = fast.accepted[fast.term_row]
    rows = fast.term_row[keep]
    destination = offsets[rows] + fast.term_rank[keep]
    elements[destination] = fast.symbols[keep]
    values[destination] = fast.values[keep]
    for row, amounts in fallback.items():
        elements[offsets[row] : offsets[row + 1]] = list(amounts)
        values[offsets[row] : offsets[row + 1]] = list(amounts.values())
    return ParsedFormulas(offsets=offsets, elements=elements, amounts=values, errors=errors)


@dataclass(frozen=True)
class _PlainTerms:
    accepted: np.ndarray  # per row: fully understood by the vectorised pass
    n_terms: np.ndarray  # per row
    term_row: np.ndarray  # per term: its row
    term_rank: np.ndarray  # per term: its position within the row
    symbols: np.ndarray  # per term (object array of str)
    values: np.ndarray  # per term


def _parse_plain(formulas: list[object]) -> _PlainTerms:
    """Vectorised parse of the formulas that are runs of ``Symbol[amount]`` and nothing else.

    A row is accepted only if it is understood completely: ASCII letters, digits and dots, a
    capital first, known symbols, well-formed positive amounts, no repeated symbol (which must be
    summed). Everything else (brackets, hydrates, white space, errors) is left to
    :func:`parse_formula`.
    """
    texts = [f if isinstance(f, str) and f.isascii() and "\n" not in f else "" for f in formulas]
    joined = "\n".join(texts) + "\n"
    chars = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
    newline = chars == 10
    upper = (chars >= 65) & (chars <= 90)
    lower = (chars >= 97) & (chars <= 122)
    numeric = ((chars >= 48) & (chars <= 57)) | (chars == 46)
    row_of = np.cumsum(newline) - newline
    follows_upper = np.concatenate(([False], upper[:-1]))
    follows_newline = np.concatenate(([True], newline[:-1]))
    bad_char = ~(upper | lower | numeric | newline) | (lower & ~follows_upper)
    bad_char |= follows_newline & ~upper  # a capital first; this also refuses ""
    bad = np.bincount(row_of[bad_char], minlength=len(texts)) > 0

    starts = np.flatnonzero(upper)
    term_row = row_of[starts]
    symbol_len = 1 + lower[starts + 1]  # a formula ends in a newline, so starts + 1 exists
    boundaries = np.flatnonzero(upper | newline)
    amount_start = starts + symbol_len
    amount_len = boundaries[np.searchsorted(boundaries, starts, side="right")] - amount_start
    bad[term_row[amount_len > _MAX_AMOUNT_CHARS]] = True
    width = int(min(amount_len.max(initial=0), _MAX_AMOUNT_CHARS)) or 1

    symbol_codes = _fixed_width(chars, starts, symbol_len, 2)
    unique_symbols, symbol_ids = np.unique(symbol_codes, return_inverse=True)
    symbol_text = np.array([s.decode() for s in unique_symbols], dtype=object)
    known = element_symbols()
    bad[term_row[~np.array([s in known for s in symbol_text], dtype=bool)[symbol_ids]]] = True
    amount_codes = _fixed_width(chars, amount_start, np.minimum(amount_len, width), width)
    unique_amounts, amount_ids = np.unique(amount_codes, return_inverse=True)
    values = np.array([_amount_value(a.decode()) for a in unique_amounts])[amount_ids]
    bad[term_row[~(values > 0)]] = True  # nan (malformed) or zero

    first_term = np.searchsorted(term_row, np.arange(len(texts) + 1))
    pair = np.sort(term_row.astype(np.int64) * len(unique_symbols) + symbol_ids)
    bad[pair[1:][np.diff(pair) == 0] // len(unique_symbols)] = True  # repeated symbol
    n_terms = np.diff(first_term)
    return _PlainTerms(
        accepted=~bad & (n_terms > 0),
        n_terms=n_terms,
        term_row=term_row,
        term_rank=np.arange(len(starts)) - first_term[term_row],
        symbols=symbol_text[symbol_ids],
        values=values,
    )


def _fixed_width(chars: np.ndarray, starts: np.ndarray, lengths: np.ndarray, width: int):
    """``chars[start:start + length]`` as zero-padded byte strings of ``width``, one per term."""
    offsets = np.arange(width)
    index = np.minimum(starts[:, None] + offsets, len(chars) - 1)
    block = np.where(offsets < lengths[:, None], chars[index], 0).astype(np.uint8)
    return np.ascontiguousarray(block).view(f"S{width}").ravel()


def _amount_value(text: str) -> float:
    if not text:
        return 1.0
    return float(text) if _PLAIN_AMOUNT.fullmatch(text) else float("nan")
