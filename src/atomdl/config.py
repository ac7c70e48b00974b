"""The project's configuration loader: ``conf/base``, then the ``--env`` folder, then
``conf/local``, whatever ``--env`` is given.

Kedro's own ``OmegaConfigLoader`` reads base and ONE other folder: ``local`` without ``--env``,
the named environment with it, so ``kedro run --env cpu`` (the README's main command) would
silently ignore a user's overrides in ``conf/local``. Here ``conf/local`` is always read last
(local wins; ``--params`` still wins over every folder). Each kind of configuration (catalog,
parameters, credentials, kedro-mlflow's ``mlflow.yml``, globals) layers the same way, with the
merge strategy of ``settings.CONFIG_LOADER_ARGS`` between each pair of folders, exactly as
Kedro merges base with its one environment. The run logs at its start which folders it read.

Mistakes in the configuration itself are expected errors, one line each (:class:`BadConfigError`):
a YAML syntax error names the file, line and column; an ``--env`` without a folder names the
environments there are.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml
from kedro.config import MissingConfigException, OmegaConfigLoader
from omegaconf import OmegaConf

from atomdl.errors import AtomdlError

__all__ = ["BadConfigError", "LayeredConfigLoader"]

logger = logging.getLogger(__name__)


class BadConfigError(AtomdlError, ValueError):
    """A configuration file or environment the project cannot read (``conf/``)."""


class LayeredConfigLoader(OmegaConfigLoader):
    """Kedro's ``OmegaConfigLoader`` with ``conf/<default_run_env>`` (``local``) read last
    under every ``--env``, and configuration mistakes as one-line errors."""

    def __init__(self, conf_source: str | Path, env: str | None = None, *args, **kwargs):
        default_run_env = kwargs.get("default_run_env") or ""
        root = Path(str(conf_source))
        if env and env != default_run_env and not (root / env).is_dir():
            there = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
            raise BadConfigError(
                f"--env {env}: there is no configuration folder {_shown(root / env)}; the "
                f"environments in {_shown(root)} are {', '.join(there) or 'none'}"
            )
        if not env and default_run_env and not (root / default_run_env).is_dir():
            # no conf/local (it holds only what users add): base alone, not Kedro's traceback
            kwargs["default_run_env"] = kwargs.get("base_env")
        try:
            super().__init__(conf_source, env, *args, **kwargs)  # reads globals through us
        except Exception as error:
            bad = _config_error(error, self._folders())
            if bad is None:
                raise
            raise bad from error
        self._log_layers()

    @property
    def layers(self) -> list[str]:
        """The environment folders read, in order: each overrides the ones before it."""
        named = self.env or self.default_run_env
        layers = [self.base_env] if self.base_env else []
        for env in (named, self.default_run_env):
            if env and env not in layers:
                layers.append(env)
        return layers

    def __getitem__(self, key: str) -> dict[str, Any]:
        try:
            return self._layered(key)
        except (MissingConfigException, KeyError):
            raise
        except Exception as error:
            bad = _config_error(error, self._folders())
            if bad is None:
                raise
            raise bad from error

    def _layered(self, key: str) -> dict[str, Any]:
        """Kedro's base + named environment, then ``local`` merged on top when Kedro did not
        read it (``--env`` given)."""
        local = self._local_on_top()
        if key in self or key not in self.config_patterns or local is None:
            return super().__getitem__(key)
        try:
            config = super().__getitem__(key)
        except MissingConfigException:
            config = None  # e.g. credentials, which only conf/local has
        layer = self.load_and_merge_dir_config(
            str(local), self.config_patterns[key], key, processed := set(),
            read_environment_variables=key == "credentials",
        )  # fmt: skip
        if config is None:
            if not processed:
                raise MissingConfigException(
                    f"No files of YAML or JSON format found in {self.layers} matching the glob "
                    f"pattern(s): {self.config_patterns[key]}"
                )
            return layer
        if not processed:
            return config
        if self.merge_strategy.get(key, "destructive").lower() == "soft":
            return OmegaConf.to_container(OmegaConf.unsafe_merge(config, layer))
        return {**config, **layer}

    def _local_on_top(self) -> Path | None:
        """``conf/local`` when Kedro's own loading left it out, and it exists."""
        local = self.default_run_env
        if not local or local == (self.env or local) or local == self.base_env:
            return None
        path = Path(self.conf_source) / local
        return path if path.is_dir() else None

    def _folders(self) -> list[Path]:
        if getattr(self, "conf_source", None) is None:  # failed before Kedro set it
            return []
        root = Path(str(self.conf_source))
        return [root / env for env in self.layers if (root / env).is_dir()]

    def _log_layers(self) -> None:
        folders = [_shown(folder) for folder in self._folders()]
        logger.info(
            "Configuration read from %s (each folder overrides the ones before it; --params "
            "overrides them all)",
            ", then ".join(folders),
        )


def _shown(path: Path) -> str:
    """``path`` relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _relative_paths(text: str) -> str:
    """``text`` with the working directory's absolute paths shown relative to it."""
    return text.replace(f"{Path.cwd().resolve()}/", "")


def _config_error(error: BaseException, folders: list[Path]) -> BadConfigError | None:
    """The one-line error for a YAML mistake among ``folders``' files (or a key set by two files
    of one folder), or None when ``error`` is not one. Kedro's own YAML message counts lines
    from 0 and loses the YAML problem, so the file is found again and read for itself."""
    if isinstance(error, ValueError) and str(error).startswith("Duplicate keys found in "):
        pairs = [_relative_paths(line) for line in str(error).splitlines()]
        return BadConfigError(
            "; ".join(pairs) + ": one folder may set a key in one file only; keep one of them"
        )
    chain, cause = [], error
    while cause is not None:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    if not any(isinstance(e, yaml.YAMLError) for e in chain):
        return None
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix not in (".yml", ".yaml", ".json") or not path.is_file():
                continue
            if any(part.startswith(".") for part in path.relative_to(folder).parts):
                continue
            try:
                OmegaConf.load(path)
            except yaml.YAMLError as bad:
                return BadConfigError(_yaml_message(path, bad))
    return None


def _yaml_message(path: Path, error: yaml.YAMLError) -> str:
    """``Bad YAML in <file>, line L, column C: <problem>``, lines and columns counted from 1."""
    mark, problem = getattr(error, "problem_mark", None), getattr(error, "problem", None)
    problem = problem or str(error).splitlines()[0]
    if mark is None:
        return (
            f"Bad YAML in {_shown(path)}: {problem}; fix the file (or move it aside) and run again"
        )
    lines = path.read_text(errors="replace").splitlines()
    if mark.line < len(lines) and lines[mark.line][mark.column : mark.column + 1] == "\t":
        problem += " (a tab: YAML indents with spaces)"
    start = getattr(error, "context_mark", None)
    if getattr(error, "context", None) and start and start.line != mark.line:
        problem += f" ({error.context} that starts at line {start.line + 1})"
    return (
        f"Bad YAML in {_shown(path)}, line {mark.line + 1}, column {mark.column + 1}: {problem}; "
        "fix the file (or move it aside) and run again"
    )
