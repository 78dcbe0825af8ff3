"""Trains the classifier that kgan.metrics scores generated images with.

    # the shipped MNIST classifier (4,000 of the embedded digits; 1,000 held out)
    python scripts/train_classifier.py
    # Fashion-MNIST, where tensorflow-datasets has it prepared (or can download it)
    python scripts/train_classifier.py --dataset fashion_mnist --output-dir classifiers
    # any Keras-layout npz (x_train, y_train, x_test, y_test)
    python scripts/train_classifier.py --dataset npz --data-path fashion_mnist.npz --output-dir classifiers
    # the 16x16 USPS digits (scripts/lecture000_usps.py trains this one itself)
    python scripts/train_classifier.py --dataset usps --data-path usps.h5 --output-dir classifiers

Writes <name>_classifier.weights.h5 and its card <name>_classifier.json (SHA-256, held-out accuracy,
protocol, real-against-real reference values). Seeded and deterministic.
"""

import pathlib
import shlex
import sys

import kgan
from kgan.cli import ArgumentParser
from kgan.cli.errors import run_main

EPOCHS = 15  # passes over the training images
SEED = 0  # weights, data order, dropout


def main(argv=None):
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dataset",
        default="mnist_embedded",
        choices=("mnist_embedded", "mnist", "fashion_mnist", "npz", "usps"),
        help="training data (default: %(default)s, the 5,000 digits shipped with kgan)",
    )
    parser.add_argument(
        "--data-path", default=None, help="Keras-layout .npz for --dataset npz; usps.h5 or LIBSVM usps[.bz2] for usps"
    )
    parser.add_argument(
        "--output-dir",
        default=None,
        help="where to write the weights and card (default: the kgan/metrics package folder for "
        "mnist_embedded; required otherwise)",
    )
    parser.add_argument("--name", default=None, help="file prefix (default: the dataset name; mnist_embedded -> mnist)")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    if args.output_dir is None:
        if args.dataset != "mnist_embedded":
            parser.error("--output-dir is required unless --dataset mnist_embedded")
        args.output_dir = pathlib.Path(kgan.metrics.__file__).parent
    argv = sys.argv[1:] if argv is None else argv
    card = kgan.metrics.train_classifier(
        args.output_dir,
        dataset=args.dataset,
        data_path=args.data_path,
        name=args.name,
        epochs=args.epochs,
        seed=args.seed,
        command=shlex.join(["python", "scripts/train_classifier.py", *argv]),
    )
    print(f"held-out accuracy {card['held_out_accuracy']:.4f} on {card['num_held_out']} images")
    print(f"weights {pathlib.Path(args.output_dir) / card['weights']} sha256 {card['sha256']}")
    print(
        "reference (real vs real):",
        {k: round(v, 5) if isinstance(v, float) else v for k, v in card["reference"].items()},
    )
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
