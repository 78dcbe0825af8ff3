"""What every lecture example script shares: its flags and its output folder (`scripts/lecture*.py`, the ring)."""

from kgan.cli.types import positive_int


def add_example_arguments(parser, name, epochs, seed=0, output_help=None):
    """The flags every lecture example script shares: `--output-dir`, `--epochs`, `--seed`.

    Args:
        parser: an `argparse.ArgumentParser`.
        name: the example's name, for the default `runs/<name>-<timestamp>`.
        epochs: the default number of epochs (a short run).
        seed: the default seed.
        output_help: the `--output-dir` help of a script with another default folder.
    """
    parser.add_argument(
        "--output-dir",
        default=None,
        help=output_help
        or f"folder for the pictures and numbers; must be new or empty (default: runs/{name}-<timestamp>)",
    )
    parser.add_argument(
        "--epochs", type=positive_int, default=epochs, help="passes over the data (default: %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=seed, help="seed of data, weights and noise (default: %(default)s)")
    return parser


def prepare_output_dir(output_dir, name):
    """The example's output folder: `output_dir`, or a new `runs/<name>-<timestamp>`; created, never reused.

    Raises:
        FileExistsError: if the folder exists and is not empty.
    """
    import datetime
    import pathlib

    path = pathlib.Path(output_dir or f"runs/{name}-{datetime.datetime.now():%Y%m%d-%H%M%S}")
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise FileExistsError(
            f"The output directory exists and is not empty; choose a new --output-dir. Received: {path}"
        )
    path.mkdir(parents=True, exist_ok=True)
    return path
