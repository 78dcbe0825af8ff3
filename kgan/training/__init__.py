"""Training: `train` (the main job as a library call), run directories, and lecture 004's classic loop.

- `config`: `TrainConfig`, the one home of every training setting (default,
  check, flag, resume policy, `config.json` form);
- `main_job`: `train` (data -> GAN -> `fit` with callbacks -> export), `MAIN_JOB`
  (the recipe of `kgan train`), `TrainResult`, `TrainingDiverged`;
- `runs`: run directories that are new, resumable after a crash, or finished;
- `classic`: `ClassicGAN`, lecture 004's `train_on_batch` loop over D and the
  combined model DG (`combined`: DG, its targets and generator costs).
"""

from kgan.core.lazy import lazy_exports

# Imported when first read (kgan.core.lazy): `kgan.training.config` (the flags) needs no TensorFlow.
_LAZY = {
    "MAIN_JOB": "kgan.training.recipes",
    "TRAINERS": "kgan.training.config",
    "ClassicGAN": "kgan.training.classic",
    "TrainConfig": "kgan.training.config",
    "TrainResult": "kgan.training.main_job",
    "TrainingDiverged": "kgan.training.main_job",
    "default_run_dir": "kgan.training.main_job",
    "prepare_run_dir": "kgan.training.runs",
    "train": "kgan.training.main_job",
}
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
__all__ = sorted(_LAZY)
