"""Scores an exported generator: Fréchet distance, KID, precision/recall, density/coverage against real images.

    python scripts/evaluate.py runs/mnist_infogan-20261123-150000/saved_models/mnist_infogan
    python scripts/evaluate.py saved_models/fashion_dcgan --classifier classifiers/fashion_mnist_classifier.weights.h5
    python scripts/evaluate.py saved_models/folder_dcgan --reference my_images/ --features inception -n 5000
    python scripts/evaluate.py saved_models/folder_dcgan --reference my_images/ --features classifier:mine.keras

The same as `kgan evaluate EXPORT_DIR`; see docs/metrics.md for the protocol.
"""

import sys

from kgan.cli import ArgumentParser, add_evaluate_arguments, run_evaluate
from kgan.cli.errors import run_main


def main(argv=None):
    parser = add_evaluate_arguments(ArgumentParser(description=__doc__.splitlines()[0]))
    return run_evaluate(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(run_main(main))
