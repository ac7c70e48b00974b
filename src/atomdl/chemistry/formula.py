"""Chemical formula parsing.

Formulas as they occur in OQMD, Matbench and C2DB tables: plain (``Co12Mn5Nd2``), fractional
(``Ag0.5Ge1Pb1.75S4``), bracketed and nested (``Ag(W3Br7)2``, ``K4[Fe(CN)6]``) and hydrates
(``CuSO4·5H2O``). The common plain case takes a regular-expression fast path, which is what makes
parsing a whole corpus an order of magnitude faster than ``pymatgen.core.Composition``.
"""

from __future__ import annotations

import re

from atomdl.chemistry.periodic import element_symbols

__all__ = ["FormulaError", "parse_formula"]

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
        return amounts
    return _Parser(formula, text, known).parse()


class _Parser:
    """Recursive-descent parser for bracketed formulas and hydrates."""

    def __init__(self, formula: str, text: str, known: frozenset[str]):
        self.formula, self.text, self.known, self.pos = formula, text, known, 0

    def fail(self, reason: str) -> FormulaError:
        return FormulaError(self.formula, f"{reason} at position {self.pos}")

    def parse(self) -> dict[str, float]:
        total: dict[str, float] = {}
        for part in self._hydrate_parts():
            _add(total, part)
        return total

    def _hydrate_parts(self):
        while True:
            coefficient = self._number() or 1.0
            part = self._sequence(closing=None)
            if not part:
                raise self.fail("expected an element symbol or '('")
            yield {k: v * coefficient for k, v in part.items()}
            if self.pos == len(self.text):
                return
            self.pos += 1  # a top-level sequence stops only at the end or a hydrate separator

    def _sequence(self, closing: str | None) -> dict[str, float]:
        amounts: dict[str, float] = {}
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char in _OPEN:
                self.pos += 1
                inner = self._sequence(closing=_OPEN[char])
                if not inner:
                    raise self.fail("empty brackets")
                multiplier = self._amount()
                _add(amounts, {k: v * multiplier for k, v in inner.items()})
            elif char in _CLOSE:
                if closing != char:
                    raise self.fail(f"unbalanced bracket {char!r}")
                self.pos += 1
                return amounts
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
        if closing is not None:
            raise FormulaError(self.formula, f"unbalanced bracket: missing {closing!r}")
        return amounts

    def _number(self) -> float | None:
        match = _NUMBER.match(self.text, self.pos)
        if not match:
            return None
        self.pos = match.end()
        value = float(match.group())
        if value <= 0:
            raise self.fail("amount is zero")
        return value

    def _amount(self) -> float:
        if self.text.startswith(("-", "−"), self.pos):
            raise self.fail("negative amount")
        value = self._number()
        return 1.0 if value is None else value


def _add(total: dict[str, float], part: dict[str, float]) -> None:
    for symbol, amount in part.items():
        total[symbol] = total.get(symbol, 0.0) + amount
