"""atomdl: element vectors learned from inorganic formulas, and what they are worth."""

__version__ = "0.1.0"
