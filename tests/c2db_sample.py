"""A small C2DB web-table export written by the tests: the real export's shape (decorated
headers, ``-`` for missing values, the two Janus prototypes), none of its data."""

from __future__ import annotations

import pandas as pd

_COLUMNS = [
    "Formula", "Band gap", "Band gap (HSE06)", "Gap wo. soc.", "Area of unit-cell", "Volume",
    "Crystal type", "Magnetic", "Material class", "Thermodynamic stability level",
    "Energy above convex hull", "Unique identifier",
]  # fmt: skip

# formula, gap, HSE06 gap, gap without SOC, area, volume, crystal type, magnetic, class, stability
_ROWS = [
    ("MoSSe", "1.45", "1.95", "1.55", "9.3", "158.6", "ABC-156-ac", "False", "MXY Janus", "1"),
    ("MoSSe", "0.55", "-", "0.6", "9.6", "163.0", "ABC-156-abc", "False", "MXY Janus", "2"),
    ("WSTe", "0.9", "1.3", "1.1", "10.2", "170.4", "ABC-156-ac", "False", "MXY Janus", "1"),
    ("CrClI", "0.0", "-", "0.0", "12.9", "190.1", "ABC-156-abc", "True", "MXY Janus", "3"),
    ("ZrSSe", "0.8", "1.5", "0.85", "11.1", "175.0", "ABC-156-abc", "False", "MXY Janus", "2"),
    ("NbSSe", "0.0", "-", "0.0", "9.9", "160.2", "ABC-156-ac", "True", "MXY Janus", "3"),
    ("MoS2", "1.58", "2.09", "1.72", "8.9", "154.3", "AB2-187-bi", "False", "TMD", "1"),
    ("BN", "4.2", "5.6", "4.2", "5.4", "96.0", "AB-187-cf", "False", "-", "1"),
]


def small_c2db_export() -> pd.DataFrame:
    """8 rows x 12 columns: 6 Janus rows (2 metallic), 2 others; headers as C2DB writes them."""
    records = [
        (*row, "0.0" if row[9] == "1" else "0.05", f"{row[0]}-{row[6]}-{i}")
        for i, row in enumerate(_ROWS)
    ]
    return pd.DataFrame(records, columns=[f"{c}              ✕" for c in _COLUMNS])
