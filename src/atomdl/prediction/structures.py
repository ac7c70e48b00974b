"""Structure features of Janus MXY monolayers nobody has computed: estimated, never measured.

Ingestion reads the lattice constant ``a`` and the cell height ``c`` from C2DB and estimates
the outer layers' heights from covalent radii (``atomdl.materials.janus``). A new candidate has
no C2DB row, so ``a`` and ``c`` are estimated too, from the known Janus materials of the same
prototype:

* ``a``: additive element contributions, ``a = a_M + b_X + b_Y`` (least squares with a small
  ridge, one fit per prototype). Measured on C2DB's 216 rows by 5-fold CV: MAE 0.092 A (2H) and
  0.115 A (1T) on lattice constants of 3.1-4.4 A. An element the known materials do not contain
  has no contribution; then ``a`` comes from a linear fit on the covalent radii of M, X and Y
  (CV MAE 0.21 / 0.24 A), and ``structure_estimate`` says so.
* ``c``: the median cell height of the prototype (C2DB's vacuum convention: 18.23 A for 2H,
  19.50 A for 1T, spread below 0.1 A).
* heights and fractional positions: ingestion's own rule (:func:`estimated_positions`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pandas as pd

from atomdl.chemistry import element_table
from atomdl.materials.janus import JANUS_PROTOTYPES, POSITION_COLUMNS, estimated_positions

__all__ = ["CRYSTAL_TYPE", "JanusStructureModel"]

#: Our prototype name -> C2DB's crystal type.
CRYSTAL_TYPE = {name: crystal for crystal, (name, _, _) in JANUS_PROTOTYPES.items()}
_RIDGE = 0.1  # keeps the element contributions identifiable; CV MAE is flat from 1e-3 to 0.1


@dataclass(frozen=True)
class _PrototypeFit:
    contributions: dict[str, float]  # "m:Mo" / "o:S" -> contribution to a
    intercept: float
    radii_coefficients: np.ndarray  # a = [r_M, r_X, r_Y, 1] @ coefficients
    cell_height: float


class JanusStructureModel:
    """Lattice constant and cell height per prototype, learnt from known Janus materials."""

    def __init__(self, fits: dict[str, _PrototypeFit]):
        self.fits = fits

    @classmethod
    def fit(cls, known: pd.DataFrame) -> JanusStructureModel:
        """``known``: ingestion's Janus table (``m, x, y, prototype, lattice_constant,
        cell_height``); metallic and gapped rows alike (no band gap is read)."""
        from sklearn.linear_model import LinearRegression, Ridge

        radius = element_table()["covalent_radius"]
        fits = {}
        for prototype, rows in known.groupby("prototype"):
            target = rows["lattice_constant"].to_numpy(dtype=float)
            dummies = _contribution_columns(rows)
            additive = Ridge(alpha=_RIDGE).fit(dummies.to_numpy(dtype=float), target)
            radii = np.c_[radius[rows["m"]], radius[rows["x"]], radius[rows["y"]]]
            by_radii = LinearRegression().fit(radii, target)
            fits[prototype] = _PrototypeFit(
                dict(zip(dummies.columns, additive.coef_.tolist(), strict=True)),
                float(additive.intercept_),
                np.r_[by_radii.coef_, by_radii.intercept_],
                float(rows["cell_height"].median()),
            )
        return cls(fits)

    def estimate(self, candidates: pd.DataFrame) -> pd.DataFrame:
        """``candidates`` (``m, x, y, prototype``) with ``lattice_constant, cell_height, area``,
        the nine fractional positions, ``height_x/height_y`` and ``structure_estimate``."""
        unknown = sorted(set(candidates["prototype"]) - set(self.fits))
        if unknown:
            raise ValueError(f"no known Janus material of prototype(s) {unknown} to estimate from")
        radius = element_table()["covalent_radius"]
        table = candidates.reset_index(drop=True).copy()
        a, how = [], []
        for row in table.itertuples(index=False):
            fit = self.fits[row.prototype]
            keys = [f"m:{row.m}", f"o:{row.x}", f"o:{row.y}"]
            if all(k in fit.contributions for k in keys):
                a.append(fit.intercept + sum(fit.contributions[k] for k in keys))
                how.append("element contributions")
            else:
                radii = [radius[row.m], radius[row.x], radius[row.y], 1.0]
                a.append(float(np.dot(radii, fit.radii_coefficients)))
                how.append("covalent-radii fit (an element no known material has)")
        table["lattice_constant"] = a
        table["cell_height"] = table["prototype"].map(lambda p: self.fits[p].cell_height)
        table["area"] = math.sqrt(3) / 2 * table["lattice_constant"] ** 2
        table["structure_estimate"] = how
        positions = [
            estimated_positions(
                SimpleNamespace(
                    crystal_type=CRYSTAL_TYPE[r.prototype],
                    m=r.m,
                    x=r.x,
                    y=r.y,
                    lattice_constant=r.lattice_constant,
                    cell_height=r.cell_height,
                )
            )
            for r in table.itertuples(index=False)
        ]
        table[POSITION_COLUMNS] = np.array(positions).reshape(len(table), 9)
        table["height_x"] = (table["x_c"] - 0.5) * table["cell_height"]
        table["height_y"] = (0.5 - table["y_c"]) * table["cell_height"]
        return table


def _contribution_columns(rows: pd.DataFrame) -> pd.DataFrame:
    centre = pd.get_dummies(rows["m"], prefix="m", prefix_sep=":").astype(float)
    outer = (
        pd.get_dummies(rows["x"], prefix="o", prefix_sep=":")
        .astype(float)
        .add(pd.get_dummies(rows["y"], prefix="o", prefix_sep=":").astype(float), fill_value=0.0)
    )
    return pd.concat([centre, outer], axis=1).fillna(0.0)
