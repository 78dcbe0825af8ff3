"""Lecture 000's exercise, "Create a GAN to generate USPS samples": an ACGAN on 16x16 USPS digits, with its own scores.

    python scripts/lecture000_usps.py --data-path usps.h5                 # the HDF5 file (Kaggle "USPS dataset")
    python scripts/lecture000_usps.py --data-path usps.bz2                # the LIBSVM files (usps.t.bz2 beside it)
    python scripts/lecture000_usps.py --data-path usps.h5 --variant gan   # lecture 000's plain GAN (default: ACGAN)
    python scripts/lecture000_usps.py --write-standin usps_standin.h5     # no USPS file? MNIST made to look like it

The USPS data is not shipped with kgan (docs/lectures.md says where to get it). First a small classifier
learns the USPS training labels (its accuracy on the test split is printed; it is kept in --classifier-dir and
reused for the same file), then the GAN trains like `kgan train --dataset usps` (every training flag below
works; the run directory is printed), then the exported generator is scored with that classifier: classifier
score, classes covered, Frechet distance and KID beside real-against-real references (docs/metrics.md), also
written to <run directory>/usps_evaluation.json.
"""

import argparse
import pathlib
import sys

from kgan.cli import ArgumentParser, add_train_arguments, run_train
from kgan.cli.errors import run_main
from kgan.cli.source import value_of
from kgan.cli.train import config_from_args
from kgan.cli.types import positive_int

# The exercise's recipe and classifier epochs are read from this module's source: importing it imports TensorFlow.
USPS = "kgan.lectures.usps"


def main(argv=None):
    parser = ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_train_arguments(parser, **value_of(USPS, "USPS_RECIPE"))
    group = parser.add_argument_group("the USPS exercise")
    group.add_argument(
        "--classifier-dir",
        default="runs/usps_classifier",
        help="folder of the USPS classifier; reused when it was trained on the same file (default: %(default)s)",
    )
    group.add_argument(
        "--classifier-epochs",
        type=positive_int,
        default=value_of(USPS, "CLASSIFIER_EPOCHS"),
        help="passes over the training digits when the classifier is trained (default: %(default)s)",
    )
    group.add_argument(
        "--write-standin",
        metavar="FILE",
        default=None,
        help="write the stand-in (kgan's embedded MNIST digits as 16x16 USPS digits; FILE.h5 or a LIBSVM name) "
        "and exit",
    )
    args = parser.parse_args(argv)
    from kgan.lectures import usps
    from kgan.training import runs
    from kgan.training.main_job import default_run_dir

    if args.write_standin:
        print("Wrote the stand-in (MNIST, not USPS):", ", ".join(usps.write_usps_standin(args.write_standin)))
        return 0
    config = config_from_args(args)
    usps.check_usps_config(config)
    weights, card = usps.prepare_usps_classifier(
        config.data_path, args.classifier_dir, epochs=args.classifier_epochs, seed=config.seed
    )
    print(f"USPS classifier {weights}: accuracy {card['held_out_accuracy']:.4f} on {card['num_held_out']} test digits")
    args.output_dir = str(config.output_dir or default_run_dir(config.resolved_export_name))
    status = run_train(args)
    if status != 0 or not (pathlib.Path(args.output_dir) / runs.FINISHED).is_file():
        return status  # the run failed, or this is a worker and the chief exports
    print(usps.evaluate_usps_run(args.output_dir, weights)["report"])
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
