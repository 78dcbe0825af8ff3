"""Run directories: new, resumable after a crash, or finished, and never clobbered.

A run directory written by `kgan.train` holds, first of all, `kgan-run.json`
(the ownership marker: kgan's version, a run id, and the names the run
writes), then `config.json` (the settings), `checkpoints/epoch_NNNN.keras`
(one per completed epoch, written atomically) and, once the export is
written, `finished.json`. That is enough to tell what to do when the same
command runs again:

- no directory, or an empty one: a new run (the marker is written first);
- the marker, checkpoints but no `finished.json`: the run was interrupted
  (killed, power loss); resume from the newest checkpoint that verifies
  (`Checkpoint.verify`); newer ones that do not are set aside as `*.corrupt`;
- the marker and `finished.json`: a finished run; starting again needs the
  user's say-so (`--overwrite`), and then only the names the marker lists are
  deleted, never a file kgan did not write;
- anything else, whatever files it holds (a `config.json` of another
  program included): not a kgan run; kgan never writes into it.

Publishing the export and writing `finished.json` is one recoverable step:
`publishing.json` names the export version about to be written, so a run killed
after the export appeared but before `finished.json` only marks itself finished
when run again, instead of publishing the same weights as a new version.

Every trainer (`kgan.train`, CycleGAN's, StackGAN's) goes through one
lifecycle, in this order:

1. `prepare_run_dir`: classify the folder, refuse it or clear a finished run
   (`overwrite`), claim it, delete killed writers' temporaries;
2. `check_resumable`: refuse settings that differ from the interrupted run's
   (before any checkpoint is moved);
3. `load_newest`: the newest checkpoint that verifies and loads, newer broken
   ones set aside;
4. `write_config`, then training (the trainer's own);
5. `publish`: the export, once, then `finished.json`.
"""

import dataclasses
import datetime
import json
import pathlib
import shutil
import uuid

from kgan.callbacks.checkpoint import Checkpoint
from kgan.core.utils import atomic_path, is_temporary_of, remove_stale_temporaries
from kgan.core.version import __version__
from kgan.serving.metadata import latest_version
from kgan.training.config import flag_of, resume_keys

MARKER = "kgan-run.json"
CONFIG = "config.json"
FINISHED = "finished.json"
PUBLISHING = "publishing.json"
# What a run writes into its directory (the marker's manifest): `--overwrite` deletes these and nothing else.
WRITES = (
    CONFIG,
    "history.csv",
    "history.png",
    "samples",
    "checkpoints",
    "saved_models",
    "tensorboard",
    PUBLISHING,
    FINISHED,
)


@dataclasses.dataclass(frozen=True)
class RunState:
    """What a run directory holds.

    Attributes:
        kind: `"new"`, `"resumable"` or `"finished"`.
        checkpoint: the newest checkpoint that verifies (resumable runs).
        epoch: the epochs that checkpoint completed.
        config: the saved settings, if any.
        skipped: `(path, reason)` of each newer checkpoint that did not verify.
    """

    kind: str
    checkpoint: pathlib.Path | None = None
    epoch: int = 0
    config: dict | None = None
    skipped: tuple = ()


class OtherModelError(ValueError):
    """Raised by a `load_newest` loader for a checkpoint of another model: a refusal, not a broken checkpoint."""


def inspect_run(run_dir, checkpoints=("checkpoints",)):
    """Classifies `run_dir` (see the module docstring).

    Args:
        run_dir: the run directory.
        checkpoints: the run's checkpoint folders, relative to `run_dir` (or absolute), the
            one written last first (StackGAN's: stage II's, then stage I's).

    Raises:
        FileExistsError: if `run_dir` is a file, or a non-empty folder without
            kgan's marker.
    """
    run_dir = pathlib.Path(run_dir)
    if not run_dir.exists():
        return RunState("new")
    if not run_dir.is_dir():
        raise FileExistsError(f"The output directory is a file; choose another --output-dir. Received: {run_dir}")
    if not (run_dir / MARKER).is_file():
        if all(_marker_being_written(entry) for entry in run_dir.iterdir()):
            return RunState("new")  # empty, or another process (the chief) is claiming it right now
        raise FileExistsError(
            f"The output directory exists, is not empty and is not a kgan run (no {MARKER}); kgan writes only "
            f"into folders it made: choose a new --output-dir. Received: {run_dir}"
        )
    config_path = run_dir / CONFIG
    config = _read_json(config_path) if config_path.is_file() else None
    if (run_dir / FINISHED).is_file():
        return RunState("finished", config=config)
    if config is None:
        return RunState("new")  # claimed, but no epoch completed: nothing worth keeping
    skipped = []
    for epoch, path in _newest_first(run_dir / folder for folder in checkpoints):
        reason = Checkpoint.verify(path)
        if reason is None:
            return RunState("resumable", path, epoch, config, tuple(skipped))
        skipped.append((path, reason))
    return RunState("new", config=config, skipped=tuple(skipped))


def _marker_being_written(entry):
    """Whether `entry` is the temporary of a marker that `claim`, in this or another process, is writing.

    A worker of a multi-worker run inspects the chief's folder while the chief may be claiming it.
    """
    return is_temporary_of(entry.name, pathlib.Path(MARKER).stem)


def _newest_first(directories):
    """`(epoch, path)` of every checkpoint in `directories`, newest first (the folders in the order given)."""
    for directory in directories:
        yield from reversed(Checkpoint.list(directory))


def prepare_run_dir(run_dir, overwrite=False, stale=(), checkpoints=("checkpoints",)):
    """Creates `run_dir` or finds the interrupted run in it; never writes into anything else.

    Args:
        run_dir: the run directory.
        overwrite: start a finished run again from scratch (only what it wrote is deleted).
        stale: more folders (the export's) to clear of killed writers' temporaries.
        checkpoints: the run's checkpoint folders (`inspect_run`'s).

    Returns:
        A `RunState`: `"new"` or `"resumable"`.

    Raises:
        FileExistsError: if `run_dir` holds a finished run (and not `overwrite`),
            or is a non-empty folder that is not a kgan run.
    """
    run_dir = pathlib.Path(run_dir)
    state = inspect_run(run_dir, checkpoints)
    if state.kind == "finished":
        if not overwrite:
            raise FileExistsError(
                "The output directory holds a finished run; pass --overwrite to train it again from scratch, or "
                f"choose a new --output-dir. Received: {run_dir}"
            )
        clear_run(run_dir)
        state = RunState("new")
    claim(run_dir)
    # A dead process's temporaries; a live writer's are kept.
    for path in remove_stale(run_dir, *stale, *(run_dir / folder for folder in checkpoints)):
        print(f"Removed {path}, left by a killed run.", flush=True)
    return state


def load_newest(directories, load, move=True, state=None):
    """The newest checkpoint that verifies and that `load` loads: `(model, epoch)`, or `(None, 0)` if none does.

    Args:
        directories: the checkpoint folders, the one written last first.
        load: `load(path)` -> the model (e.g. `keras.saving.load_model`); an
            exception it raises means the checkpoint cannot be resumed from,
            except `OtherModelError` (the folder is another model's run),
            which is raised to the caller and moves nothing.
        move: set each newer checkpoint that fails aside as `*.corrupt`, named
            with the reason; False (a worker reading the chief's run): only skip it.
        state: the `RunState` `inspect_run` gave for these folders, if any: the
            checkpoints it verified (and those it found broken) are not read again.
    """
    known = {} if state is None else dict(state.skipped)
    if state is not None and state.checkpoint is not None:
        known[state.checkpoint] = None  # verified by inspect_run
    tried = 0
    for tried, (epoch, path) in enumerate(_newest_first(map(pathlib.Path, directories)), start=1):
        reason = known[path] if path in known else Checkpoint.verify(path)
        if reason is None:
            try:
                model = load(path)
            except OtherModelError:
                raise
            except Exception as error:  # noqa: BLE001 (any failure to load means: walk back)
                first_line = (str(error).strip().splitlines() or [""])[0][:200]
                reason = f"Keras could not load it ({type(error).__name__}: {first_line})"
            else:
                print(f"Resuming the interrupted run after epoch {epoch} (from {path}).", flush=True)
                return model, epoch
        if move:
            set_aside([(path, reason)])
    if tried:
        print("No checkpoint of the interrupted run loads; training again from epoch 1.", flush=True)
    return None, 0


def write_config(run_dir, record):
    """Writes the run's settings, `config.json` (atomically)."""
    with atomic_path(pathlib.Path(run_dir) / CONFIG) as tmp:
        tmp.write_text(json.dumps(record, indent=2))


def publish(run_dir, model_dir, export):
    """Writes the run's export once, then `finished.json`; returns the export's version folder.

    Args:
        run_dir: the run directory.
        model_dir: the export's model folder (its versions are `model_dir/<n>`), or None: no export.
        export: `export(version)` -> the version folder it wrote.

    A run killed after its export appeared but before `finished.json` only
    marks itself finished when run again (`published_export`), instead of
    publishing the same weights as a new version.
    """
    export_path = None
    if model_dir is not None:
        export_path = published_export(run_dir)
        if export_path is not None:
            print(
                f"The export {export_path} was published before the run was interrupted; not exporting again.",
                flush=True,
            )
        else:
            version = (latest_version(model_dir) or 0) + 1
            intend_to_publish(run_dir, pathlib.Path(model_dir) / str(version))
            export_path = export(version)
    mark_finished(run_dir, export_path=export_path)
    return export_path


def set_aside(skipped):
    """Renames each checkpoint of `skipped` (`RunState.skipped`) to `*.corrupt`, saying which and why."""
    for path, reason in skipped:
        aside = Checkpoint.set_aside(path)
        print(f"Skipping the checkpoint {path.name}: {reason}; kept as {aside.name}.", flush=True)


def remove_stale(run_dir, *folders):
    """Deletes the temporaries (`.tmp-*`) that killed writers left in `run_dir`, its folders and `folders`.

    Returns:
        The deleted paths.
    """
    run_dir = pathlib.Path(run_dir)
    places = dict.fromkeys((run_dir, run_dir / "checkpoints", run_dir / "samples", *map(pathlib.Path, folders)))
    return [path for folder in places for path in remove_stale_temporaries(folder)]  # each folder once


def _read_json(path):
    try:
        return json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(
            f"{path} is not valid JSON ({error}); move it aside or choose a new --output-dir. Received: {path}"
        ) from None


def claim(run_dir):
    """Makes `run_dir` (if needed) and writes kgan's marker into it first, before any other file."""
    run_dir = pathlib.Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    if (run_dir / MARKER).is_file():
        return
    marker = dict(
        kgan_version=__version__,
        run_id=uuid.uuid4().hex,
        created=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        writes=WRITES,
    )
    with atomic_path(run_dir / MARKER) as tmp:
        tmp.write_text(json.dumps(marker, indent=2))


def check_resumable(saved, requested, keys=None, renamed=None):
    """Raises `ValueError` naming the first setting that defines the run and differs from the interrupted run's.

    The refusal names the setting by its command-line flag (`--batch-size 32`), so the user sees which
    flag to drop or change.

    Args:
        saved: the interrupted run's `config.json`.
        requested: the new run's (`kgan.training.TrainConfig.record()`); only
            its `MATCH` settings are compared (the others may change), and only
            those `saved` holds (older runs recorded fewer).
        keys: the settings to compare (default: `TrainConfig`'s `MATCH` ones,
            named by `TrainConfig`'s flags; a trainer of its own, CycleGAN's
            or StackGAN's, passes its own).
        renamed: with `keys`, the settings whose flag is not `--` and the
            name with dashes (`{"domain_a": "--data-path-a"}`), or `name=`
            for a setting the command line does not set.
    """
    renamed = dict(renamed or {})

    def own_flag(name):
        return renamed.get(name, "--" + name.replace("_", "-"))

    keys, flag_for = (resume_keys(), flag_of) if keys is None else (keys, own_flag)
    for key in keys:
        if key in saved and key in requested and saved[key] != requested[key]:
            flag = flag_for(key)
            given = f"{flag}{requested[key]!r}" if flag.endswith("=") else f"{flag} {requested[key]!r}"
            raise ValueError(
                f"This run directory holds an interrupted run with {key}={saved[key]!r}; resuming it with "
                f"{given} would mix two runs. Rerun the original command, or choose a new "
                f"--output-dir. Received: {key}={requested[key]!r}"
            )


def clear_run(run_dir):
    """Deletes what a finished run wrote (only when the user asked to overwrite it): the names its marker lists.

    Files kgan did not write stay where they are.
    """
    run_dir = pathlib.Path(run_dir)
    writes = _read_json(run_dir / MARKER).get("writes", ())
    for name in writes:
        child = run_dir / pathlib.PurePath(name).name  # a name, never a path out of the run
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        elif child.exists() or child.is_symlink():
            child.unlink()


def mark_finished(run_dir, **info):
    """Writes `finished.json`, after which the same command no longer resumes the run."""
    with atomic_path(pathlib.Path(run_dir) / FINISHED) as tmp:
        tmp.write_text(json.dumps({k: str(v) if isinstance(v, pathlib.Path) else v for k, v in info.items()}, indent=2))
    (pathlib.Path(run_dir) / PUBLISHING).unlink(missing_ok=True)


def intend_to_publish(run_dir, export_path):
    """Records, before the export is written, the version folder it will be (`published_export` reads it)."""
    with atomic_path(pathlib.Path(run_dir) / PUBLISHING) as tmp:
        tmp.write_text(json.dumps({"export_path": str(export_path)}, indent=2))


def published_export(run_dir):
    """The export a killed run published before it could write `finished.json`, or None.

    That is the version folder `publishing.json` names, if it exists: an
    export appears only once complete (it is renamed into place), so an
    existing folder is the whole export.
    """
    intent = pathlib.Path(run_dir) / PUBLISHING
    if not intent.is_file():
        return None
    try:
        path = pathlib.Path(json.loads(intent.read_text())["export_path"])
    except (ValueError, UnicodeDecodeError, KeyError, TypeError):
        return None  # cut short before the rename (it is written atomically): nothing was published
    return path if (path / "saved_model.pb").is_file() else None
