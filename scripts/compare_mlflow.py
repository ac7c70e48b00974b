"""Compare the MLflow content of two project copies (before/after a refactor).

    python scripts/compare_mlflow.py OLD_PROJECT NEW_PROJECT

Reads each copy's ``mlflow.db`` and matches runs by their Kedro pipeline and, for nested runs,
by their run name. For each matched run it compares params, metric values, tags (timings,
ids, paths and versions left out) and the artifact paths. Prints one line per difference and
exits non-zero if there is any.
"""

from __future__ import annotations

import sqlite3
import sys
from collections import defaultdict
from pathlib import Path

#: tags and params that differ between any two runs by nature (ids, times, places, machines)
VOLATILE = ("mlflow.", "run_id", "resumed", "release_mlflow_run_id", "kedro_run_args")
TIMINGS = ("seconds", "samples_per_second", "_time")


def _runs(db: Path) -> dict[str, dict]:
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = connection.execute("SELECT run_uuid, name, artifact_uri FROM runs").fetchall()
    params, metrics, tags = (defaultdict(dict) for _ in range(3))
    for run, key, value in connection.execute("SELECT run_uuid, key, value FROM params"):
        params[run][key] = value
    for run, key, value in connection.execute("SELECT run_uuid, key, value FROM latest_metrics"):
        metrics[run][key] = value
    for run, key, value in connection.execute("SELECT run_uuid, key, value FROM tags"):
        tags[run][key] = value
    runs = {}
    for run, name, artifact_uri in rows:
        parent = tags[run].get("mlflow.parentRunId")
        label = (
            name
            if parent
            else params[run].get("pipeline_name", tags[run].get("kedro_pipeline", name))
        )
        key = f"{'nested ' if parent else ''}{label}"
        runs[key] = {
            "params": {k: v for k, v in params[run].items() if not k.startswith(VOLATILE)},
            "metrics": {k: v for k, v in metrics[run].items() if not k.endswith(TIMINGS)},
            "tags": {k: v for k, v in tags[run].items() if not k.startswith(VOLATILE)},
            "artifacts": _artifacts(db.parent, artifact_uri),
        }
    return runs


def _artifacts(project: Path, uri: str) -> list[str]:
    path = Path(uri.removeprefix("file://")) if uri else None
    if path is None:
        return []
    if not path.is_absolute():
        path = project / path
    return (
        sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())
        if path.exists()
        else []
    )


def compare(old: Path, new: Path) -> list[str]:
    before, after = _runs(old / "mlflow.db"), _runs(new / "mlflow.db")
    problems = [f"run only in old: {k}" for k in sorted(before.keys() - after.keys())]
    problems += [f"run only in new: {k}" for k in sorted(after.keys() - before.keys())]
    for key in sorted(before.keys() & after.keys()):
        for part in ("params", "metrics", "tags"):
            a, b = before[key][part], after[key][part]
            for name in sorted(a.keys() | b.keys()):
                if a.get(name) != b.get(name):
                    problems.append(f"{key}: {part} {name}: {a.get(name)!r} -> {b.get(name)!r}")
        if before[key]["artifacts"] != after[key]["artifacts"]:
            gone = set(before[key]["artifacts"]) - set(after[key]["artifacts"])
            new_ = set(after[key]["artifacts"]) - set(before[key]["artifacts"])
            problems.append(f"{key}: artifacts only old {sorted(gone)}, only new {sorted(new_)}")
    print(f"{len(before)} runs before, {len(after)} after, {len(problems)} differences")
    return problems


if __name__ == "__main__":
    found = compare(Path(sys.argv[1]), Path(sys.argv[2]))
    print("\n".join(found))
    sys.exit(1 if found else 0)
