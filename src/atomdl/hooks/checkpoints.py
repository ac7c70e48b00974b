"""Keep a finished pretraining's checkpoint until the whole Kedro run has saved its outputs."""

from __future__ import annotations

import logging
from pathlib import Path

from kedro.framework.hooks import hook_impl

logger = logging.getLogger(__name__)


class KeepCheckpointHooks:
    """Removes a finished training's checkpoint (the ``checkpoint`` tag of a node's run record)
    only when the whole Kedro run has succeeded, i.e. every output is saved and logged. Until
    then a rerun resumes from it: after the last epoch, it trains nothing."""

    def __init__(self):
        self._checkpoints: list[Path] = []

    @hook_impl
    def before_pipeline_run(self) -> None:
        self._checkpoints.clear()  # an interrupted earlier run in this process keeps its own

    @hook_impl
    def after_node_run(self, node, outputs) -> None:
        for value in outputs.values():
            if isinstance(value, dict) and isinstance(value.get("tags"), dict):
                if path := value["tags"].get("checkpoint"):
                    self._checkpoints.append(Path(path))

    @hook_impl
    def after_pipeline_run(self) -> None:
        for path in self._checkpoints:
            path.unlink(missing_ok=True)
            logger.info(
                "Removed the finished training's checkpoint %s: all outputs are saved", path
            )
        self._checkpoints.clear()

    @hook_impl
    def on_pipeline_error(self) -> None:
        for path in self._checkpoints:
            logger.warning(
                "Kept the finished training's checkpoint %s: run the same command again to save "
                "its outputs without training again",
                path,
            )
        self._checkpoints.clear()
