"""The flags of the variants' own options (`--gp-weight`, `--categories`, ...), generated from their `options` trait.

`add_variant_arguments(parser, variant)` adds them; `variant_options(args)`
turns the parsed flags into `kgan.TrainConfig.variant_options` for the chosen
variant. The settings every variant shares (`--d-steps`, `--instance-noise`,
...) are `kgan.training.TrainConfig` fields: `kgan.cli.train` adds those.
"""

from kgan.cli.types import fraction, non_negative_float, positive_float, positive_int
from kgan.variants import VARIANTS, get_variant

# The flags of the variants' own options; a variant offers those named in its `options` trait.
OPTION_FLAGS = {
    "label_smoothing": dict(
        type=fraction, default=0.0, help="one-sided label smoothing: D's real target is 1 - this, e.g. 0.1"
    ),
    "gp_weight": dict(type=positive_float, default=10.0, help="weight lambda of the gradient penalty"),
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
        type=positive_int,
        default=10,
        help="categories of InfoGAN's code; the main job uses more than the ten digit classes (benchmarks/RESULTS.md)",
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
        names = sorted({name for cls in VARIANTS.values() for name in cls.options})
        group = parser.add_argument_group("variant options (each for the variants that take it; docs/variants.md)")
    else:
        names = get_variant(variant).options
        group = parser.add_argument_group(f"the {variant} variant's options")
    for name in names:
        flag = dict(OPTION_FLAGS[name])
        default = defaults.get(name, flag.pop("default"))
        takers = ", ".join(sorted(v for v, cls in VARIANTS.items() if name in cls.options))
        flag["help"] += f" (default: {default}" + (f"; for {takers})" if variant is None else ")")
        # Without a fixed variant the flag is None unless given, so the chosen variant keeps its own default.
        group.add_argument(_flag(name), dest=name, default=default if variant else None, **flag)
    parser.set_defaults(variant_options=defaults)
    return parser


def variant_options(args):
    """The chosen variant's options from the parsed flags: the recipe's defaults it takes, then the flags given.

    Args:
        args: the parsed arguments (`args.variant`, `args.variant_options`: the recipe's defaults).

    Returns:
        A dict of constructor arguments.

    Raises:
        ValueError: if a flag was given that the chosen variant does not take.
    """
    takes = get_variant(args.variant).options
    options = {k: v for k, v in (getattr(args, "variant_options", None) or {}).items() if k in takes}
    for name in OPTION_FLAGS:
        value = getattr(args, name, None)
        if value is None:
            continue
        if name not in takes:
            raise ValueError(
                f"{_flag(name)} does not apply to the {args.variant} variant (its options: "
                f"{', '.join(map(_flag, takes)) or 'none'}). Received: {_flag(name)} {value}"
            )
        options[name] = value
    return options
