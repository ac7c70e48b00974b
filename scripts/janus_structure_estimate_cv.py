"""How well the structure estimate for new Janus candidates reproduces C2DB's lattice constants.

5-fold CV over the known Janus materials of each prototype (ingestion's table, from the C2DB
export at data/01_raw/c2db_table_export.csv): the element-contribution rule that
``atomdl.prediction.JanusStructureModel`` uses, and its covalent-radii fallback.

    python scripts/janus_structure_estimate_cv.py [path/to/c2db_table_export.csv]
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold

from atomdl.chemistry import element_table
from atomdl.materials.janus import clean_c2db_export, janus_table
from atomdl.prediction import JanusStructureModel


def main(path: str = "data/01_raw/c2db_table_export.csv") -> None:
    export = pd.read_csv(path, dtype=str, keep_default_na=False)
    materials = janus_table(clean_c2db_export(export)).materials
    for prototype, rows in materials.groupby("prototype"):
        rows = rows.reset_index(drop=True)
        contributions, radii = np.empty(len(rows)), np.empty(len(rows))
        for train, test in KFold(5, shuffle=True, random_state=0).split(rows):
            model = JanusStructureModel.fit(rows.iloc[train])
            part = rows.iloc[test][["m", "x", "y", "prototype"]]
            contributions[test] = model.estimate(part)["lattice_constant"]
            fit = model.fits[prototype]
            r = element_table()["covalent_radius"]
            design = np.c_[r[part["m"]], r[part["x"]], r[part["y"]], np.ones(len(part))]
            radii[test] = design @ fit.radii_coefficients
        truth = rows["lattice_constant"].to_numpy()
        print(
            f"{prototype}: {len(rows)} materials, a = {truth.min():.2f}-{truth.max():.2f} A; "
            f"5-fold CV MAE: element contributions {np.abs(contributions - truth).mean():.3f} A "
            f"(max {np.abs(contributions - truth).max():.3f}), covalent radii "
            f"{np.abs(radii - truth).mean():.3f} A; cell height median "
            f"{rows['cell_height'].median():.2f} A (std {rows['cell_height'].std():.3f})"
        )


if __name__ == "__main__":
    main(*sys.argv[1:])
