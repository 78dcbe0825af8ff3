"""The `kgan` command line, and the argument parsers the training scripts share.

Bad usage exits with status 2 and a one-line message, never a traceback.

- `commands`: the `kgan` command (`main`, `build_parser`) and its `evaluate`,
  `sample`, `export` and `info` subcommands;
- `train`: the flags of every `kgan.training.TrainConfig` setting
  (`add_train_arguments`, generated from its fields), `run_train`, and the
  whole `main` of a variant script (`run_script`);
- `variants`: the flags of the variants' own options (`--gp-weight`, ...);
- `examples`: the flags and output folder of the lecture example scripts;
- `errors`: `run_main`, the one handler every command and script runs under
  (a fault is one line and exit status 2; `--debug` shows the traceback);
- `types`: the argparse types (`positive_int`, `probability`, ...) and `ArgumentParser`, whose usage errors are
  one line.

This is the top layer: it imports the library, and nothing in the library imports it.
"""

from kgan.cli.commands import (
    DESCRIPTION,
    add_evaluate_arguments,
    add_export_arguments,
    add_sample_arguments,
    build_parser,
    main,
    run_evaluate,
    run_export,
    run_info,
    run_sample,
)
from kgan.cli.errors import run_main
from kgan.cli.train import add_train_arguments, config_from_args, run_script, run_train
from kgan.cli.types import (
    ArgumentParser,
    augment_policy,
    decay_or_off,
    labels_list,
    non_negative_float,
    non_negative_int,
    positive_float,
    positive_int,
    probability,
    probability_or_off,
)

__all__ = [
    "DESCRIPTION",
    "ArgumentParser",
    "add_evaluate_arguments",
    "add_export_arguments",
    "add_sample_arguments",
    "add_train_arguments",
    "augment_policy",
    "build_parser",
    "config_from_args",
    "decay_or_off",
    "labels_list",
    "main",
    "non_negative_float",
    "non_negative_int",
    "positive_float",
    "positive_int",
    "probability",
    "probability_or_off",
    "run_evaluate",
    "run_export",
    "run_info",
    "run_main",
    "run_sample",
    "run_script",
    "run_train",
]
