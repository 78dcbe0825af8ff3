"""Run directories: new, resumable after a crash, or finished, and never clobbered.

A run directory written by `kgan.train` holds `config.json` (the settings),
`checkpoints/epoch_NNNN.keras` (one per completed epoch, written atomically)
and, once the export is written, `finished.json`. That is enough to tell
what to do when the same command runs again:

- no directory, or an empty one: a new run;
- checkpoints but no `finished.json`: the run was interrupted (killed, power
  loss); resume from the newest checkpoint;
- `finished.json`: a finished run; starting again needs the user's say-so;
- anything else: not a kgan run; refuse to write into it.
"""

import dataclasses
import json
import pathlib
import shutil

from kgan.callbacks.checkpoint import Checkpoint
from kgan.core.utils import atomic_path
from kgan.training.config import flag_of, resume_keys

CONFIG = "config.json"
FINISHED = "finished.json"

@dataclasses.dataclass(frozen=True)
class RunState:
    """What a run directory holds.

    Attributes:
        kind: `"new"`, `"resumable"` or `"finished"`.
        checkpoint: the newest checkpoint (resumable runs).
        epoch: the epochs that checkpoint completed.
        config: the saved settings, if any.
    """

    kind: str
    checkpoint: pathlib.Path | None = None
    epoch: int = 0
    config: dict | None = None


def inspect_run(run_dir):
    """Classifies `run_dir` (see the module docstring).

    Raises:
        FileExistsError: if `run_dir` is a file, or a non-empty folder that is
            not a kgan run.
    """
    run_dir = pathlib.Path(run_dir)
    if not run_dir.exists():
        return RunState("new")
    if not run_dir.is_dir():
        raise FileExistsError(f"The output directory is a file; choose another --output-dir. Received: {run_dir}")
    config_path = run_dir / CONFIG
    config = json.loads(config_path.read_text()) if config_path.is_file() else None
    if (run_dir / FINISHED).is_file():
        return RunState("finished", config=config)
    checkpoints = Checkpoint.list(run_dir / "checkpoints")
    if checkpoints and config is not None:
        epoch, path = checkpoints[-1]
        return RunState("resumable", path, epoch, config)
    if config is not None or not any(run_dir.iterdir()):
        # Settings written but no epoch completed: nothing worth keeping.
        return RunState("new", config=config)
    raise FileExistsError(
        "The output directory exists, is not empty and is not a kgan run; choose a new --output-dir. "
        f"Received: {run_dir}"
    )


def check_resumable(saved, requested):
    """Raises `ValueError` naming the first setting that defines the run and differs from the interrupted run's.

    Args:
        saved: the interrupted run's `config.json`.
        requested: the new run's (`kgan.training.TrainConfig.record()`); only
            its `MATCH` settings are compared (the others may change), and only
            those `saved` holds (older runs recorded fewer).
    """
    for key in resume_keys():
        if key in saved and key in requested and saved[key] != requested[key]:
            flag = flag_of(key)
            given = f"{flag}{requested[key]!r}" if flag.endswith("=") else f"{flag} {requested[key]!r}"
            raise ValueError(
                f"This run directory holds an interrupted run with {key}={saved[key]!r}; resuming it with "
                f"{given} would mix two runs. Rerun the original command, or choose a new "
                f"--output-dir. Received: {key}={requested[key]!r}"
            )


def clear_run(run_dir):
    """Deletes a finished run's files (only when the user asked to overwrite it)."""
    run_dir = pathlib.Path(run_dir)
    for child in run_dir.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def mark_finished(run_dir, **info):
    """Writes `finished.json`, after which the same command no longer resumes the run."""
    with atomic_path(pathlib.Path(run_dir) / FINISHED) as tmp:
        tmp.write_text(json.dumps({k: str(v) if isinstance(v, pathlib.Path) else v for k, v in info.items()},
                                  indent=2))
