"""Command-line flags of the variants and the stabilising tricks, shared by the variant scripts.

`add_variant_arguments(parser, variant)` adds the flags that apply to
`variant`; `variant_options(args, variant)` turns the parsed flags into the
`variant_options` of `kgan.training.train`.
"""

import argparse

from kgan.cli.train import add_train_arguments, run_train
from kgan.cli.types import positive_float, positive_int
from kgan.core.penalties import WeightPenalty
from kgan.variants import get_variant


def _fraction(text):
    value = float(text)
    if not 0.0 <= value < 1.0:
        raise ValueError(text)
    return value


def _nonnegative(text):
    value = float(text)
    if not value >= 0.0:
        raise ValueError(text)
    return value


_fraction.__name__ = "number in [0, 1)"
_nonnegative.__name__ = "number >= 0"


# The flags of the variants' own options; a variant offers those named in its `options` trait.
OPTION_FLAGS = {
    "label_smoothing": dict(type=_fraction, default=0.0,
                            help="one-sided label smoothing: D's real target is 1 - this, e.g. 0.1 "
                                 "(default: %(default)s)"),
    "gp_weight": dict(type=positive_float, default=10.0,
                      help="weight lambda of the gradient penalty (default: %(default)s)"),
    "fake_labels": dict(choices=("random", "data"), default="random",
                        help="labels of the generated batch: random (uniform over the classes) or those of the real "
                             "batch (default: %(default)s)"),
    "validity_weight": dict(type=_nonnegative, default=1.0,
                            help="weight of the real/fake loss; lecture 001 suggests 0.01 if G ignores the class "
                                 "(default: %(default)s)"),
    "classification_weight": dict(type=_nonnegative, default=1.0,
                                  help="weight of the auxiliary classification loss (default: %(default)s)"),
    "info_weight": dict(type=_nonnegative, default=1.0,
                        help="weight lambda of InfoGAN's mutual-information term (default: %(default)s)"),
    "categories": dict(type=positive_int, default=10,
                       help="categories of InfoGAN's code (default: %(default)s)"),
}


def add_variant_arguments(parser, variant, **defaults):
    """Adds the tricks every variant takes and the flags of `variant`'s own options to `parser`.

    Args:
        parser: an `argparse.ArgumentParser` (already holding `kgan.cli.train.add_train_arguments`).
        variant: a key of `kgan.variants.VARIANTS`; its `options` trait names its flags.
        **defaults: defaults of these flags (`d_steps`, `gp_weight`, `validity_weight`, ...).
    """
    d = dict(d_steps=1, instance_noise=0.0, init=None, beta_1=0.5)
    d.update(defaults)
    tricks = parser.add_argument_group("stabilising tricks (lectures 000-002)")
    tricks.add_argument("--d-steps", type=positive_int, default=d["d_steps"],
                        help="discriminator steps per generator step, k of Algorithm 1 (default: %(default)s)")
    tricks.add_argument("--beta-1", type=_fraction, default=d["beta_1"],
                        help="Adam's beta_1 for both optimizers (default: %(default)s)")
    tricks.add_argument("--init", choices=("default", "dcgan"), default=d["init"],
                        help="weight initialisation: dcgan = N(0, 0.02) conv kernels (default: the architecture's)")
    tricks.add_argument("--instance-noise", type=_nonnegative, default=d["instance_noise"],
                        help="std of Gaussian noise added to every image D sees (default: %(default)s = off)")
    tricks.add_argument("--instance-noise-steps", type=positive_int, default=None,
                        help="anneal the instance noise linearly to 0 over this many D steps (default: constant)")
    tricks.add_argument("--d-weight-penalty", type=_nonnegative, default=0.0,
                        help="L2 penalty on D's weights, e.g. 1e-4 (default: %(default)s = off)")
    own = parser.add_argument_group(f"the {variant} variant's options")
    for name in get_variant(variant).options:
        flag = dict(OPTION_FLAGS[name])
        flag["default"] = d.get(name, flag["default"])
        (tricks if name == "label_smoothing" else own).add_argument("--" + name.replace("_", "-"), **flag)
    return parser


def variant_options(args):
    """Moves the variant flags out of `args` (an `argparse.Namespace`) into `train`'s `variant_options`.

    Args:
        args: the parsed arguments; the variant flags are removed from it.

    Returns:
        A dict of constructor arguments.
    """
    options = {"d_steps": args.__dict__.pop("d_steps")}
    for key in OPTION_FLAGS:
        if key in args.__dict__:
            options[key] = args.__dict__.pop(key)
    noise, noise_steps = args.__dict__.pop("instance_noise"), args.__dict__.pop("instance_noise_steps")
    if noise:
        options["instance_noise"] = noise
        options["instance_noise_steps"] = noise_steps
    weight_penalty = args.__dict__.pop("d_weight_penalty")
    if weight_penalty:
        options["penalties"] = [WeightPenalty(weight_penalty)]
    return options


def run_script(variant, doc, argv=None, train_defaults=None, variant_defaults=None):
    """The whole `main` of a variant script: flags, then `kgan.training.train`; returns the exit status.

    Args:
        variant: a key of `kgan.variants.VARIANTS`.
        doc: the script's docstring: its first paragraph is the description,
            the rest (ready-to-run commands) the epilog of `--help`.
        argv: the arguments (default: `sys.argv[1:]`).
        train_defaults: defaults of the main job's flags (e.g. `epochs`).
        variant_defaults: defaults of the variant's flags (e.g. `d_steps`).
    """
    description, _, epilog = doc.partition("\n\n")
    parser = argparse.ArgumentParser(description=description, epilog=epilog,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_train_arguments(parser, **(train_defaults or {}))
    add_variant_arguments(parser, variant, **(variant_defaults or {}))
    args = parser.parse_args(argv)
    args.variant_options = variant_options(args)
    args.variant = variant
    return run_train(args)
