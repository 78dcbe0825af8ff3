"""The flags of the variants' own options (`--gp-weight`, `--categories`, ...), generated from their `options` trait.

`add_variant_arguments(parser, variant)` adds them; `variant_options(args)`
turns the flags given into `kgan.TrainConfig.variant_options`, which refuses
an option the chosen variant does not take. The settings several variants
share (`--d-steps`, `--label-smoothing`, `--instance-noise`, ...) are
`kgan.training.TrainConfig` fields: `kgan.cli.train` adds those.
"""

from kgan.cli.types import non_negative_float, non_negative_int, positive_int
from kgan.core.catalog import VARIANT_OPTIONS  # each variant's `options` trait, without importing TensorFlow
from kgan.training.settings import refuse_foreign_option

# The flags of the variants' own options; a variant offers those named in its `options` trait.
# (`label_smoothing`, which several variants take, is a setting of its own: `--label-smoothing`.)
OPTION_FLAGS = {
    "gp_weight": dict(type=non_negative_float, default=10.0, help="weight lambda of the gradient penalty (0: none)"),
    "fake_labels": dict(
        choices=("random", "data"),
        default="random",
        help="labels of the generated batch: random (uniform over the classes) or those of the real batch",
    ),
    "validity_weight": dict(
        type=non_negative_float,
        default=1.0,
        help="weight of the real/fake loss; lecture 001 suggests 0.01 if G ignores the class",
    ),
    "classification_weight": dict(
        type=non_negative_float, default=1.0, help="weight of the auxiliary classification loss"
    ),
    "info_weight": dict(
        type=non_negative_float, default=1.0, help="weight lambda of InfoGAN's mutual-information term"
    ),
    "unroll_steps": dict(
        type=positive_int, default=5, help="D steps the unrolled GAN's G looks ahead, k of Metz et al. 2017"
    ),
    "fade_images": dict(
        type=positive_int, default=60_000, help="images over which each new PGGAN block fades in (alpha 0 -> 1)"
    ),
    "stable_images": dict(
        type=positive_int,
        default=60_000,
        help="images each PGGAN resolution trains alone before the next one fades in",
    ),
    "categories": dict(
        type=non_negative_int,
        default=10,
        help="categories of InfoGAN's code, at least 2; the main job uses more than the ten digit classes "
        "(benchmarks/RESULTS.md); for PGGAN, whose code is kgan's addition to the paper, 0 leaves it out",
    ),
}


def _flag(name):
    return "--" + name.replace("_", "-")


def add_variant_arguments(parser, variant=None, defaults=None):
    """Adds the flags of the variants' options to `parser`.

    Args:
        parser: an `argparse.ArgumentParser`.
        variant: the variant a script trains: its options' flags, with their
            defaults. None (`kgan train`, the main job, which offer
            `--variant`): every variant's option flags, each applied when the
            chosen variant takes it (and refused when it does not).
        defaults: defaults of the options (the recipe's `variant_options`).
    """
    defaults = dict(defaults or {})
    if variant is None:
        names = sorted({name for options in VARIANT_OPTIONS.values() for name in options if name in OPTION_FLAGS})
        group = parser.add_argument_group("variant options (each for the variants that take it; docs/variants.md)")
    else:
        names = [name for name in _options_of(variant) if name in OPTION_FLAGS]
        group = parser.add_argument_group(f"the {variant} variant's options")
    for name in names:
        flag = dict(OPTION_FLAGS[name])
        default = defaults.get(name, flag.pop("default"))
        takers = ", ".join(sorted(v for v, options in VARIANT_OPTIONS.items() if name in options))
        flag["help"] += f" (default: {default}" + (f"; for {takers})" if variant is None else ")")
        # None unless given: the recipe's value (`TrainConfig.from_recipe`) or the variant's own default applies.
        group.add_argument(_flag(name), dest=name, default=None, **flag)
    return parser


def variant_options(args):
    """The variant options the parsed flags give (`TrainConfig` refuses those the chosen variant does not take).

    Args:
        args: the parsed arguments.

    Returns:
        A dict of constructor arguments: the option flags given.
    """
    given = {name: getattr(args, name) for name in OPTION_FLAGS if getattr(args, name, None) is not None}
    # Refused here too, from the catalogue, so a wrong option is answered before TensorFlow is imported.
    variant = getattr(args, "variant", None) or getattr(args, "recipe", {}).get("variant", "gan")
    takes, everyone = _options_of(variant), {name for options in VARIANT_OPTIONS.values() for name in options}
    for name, value in given.items():
        refuse_foreign_option(variant, takes, name, value, everyone)
    return given


def _options_of(variant):
    """The `options` trait of a variant: the catalogue's for kgan's own, the class's for one registered elsewhere."""
    if variant in VARIANT_OPTIONS:
        return VARIANT_OPTIONS[variant]
    from kgan.variants import get_variant

    return get_variant(variant).options
