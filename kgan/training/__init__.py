"""Training: `train` (the main job as a library call), run directories, and lecture 004's classic loop.

- `config`: `TrainConfig`, the one home of every training setting (default,
  check, flag, resume policy, `config.json` form);
- `main_job`: `train` (data -> GAN -> `fit` with callbacks -> export), `MAIN_JOB`
  (the recipe of `kgan train`), `TrainResult`, `TrainingDiverged`;
- `runs`: run directories that are new, resumable after a crash, or finished;
- `classic`: `ClassicGAN`, lecture 004's `train_on_batch` loop over D and the
  combined model DG (`combined`: DG, its targets and generator costs).
"""

from kgan.training.classic import ClassicGAN
from kgan.training.config import TrainConfig
from kgan.training.main_job import (
    MAIN_JOB,
    TRAINERS,
    TrainingDiverged,
    TrainResult,
    default_run_dir,
    prepare_run_dir,
    train,
)

__all__ = [
    "MAIN_JOB",
    "TRAINERS",
    "ClassicGAN",
    "TrainConfig",
    "TrainResult",
    "TrainingDiverged",
    "default_run_dir",
    "prepare_run_dir",
    "train",
]
