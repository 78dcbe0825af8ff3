"""What a `kgan.training.TrainConfig` field is made of: `setting(...)`, the resume policies, the `--help` groups.

The choices of the fields that name a registry entry are the registries' names in
`kgan.core.catalog` (`architectures()`, `variants()`, ...), read without importing
TensorFlow so `--help` and a bad flag answer at once; tests/test_startup.py checks
the catalogue against the registries.
"""

import dataclasses

from kgan.core import catalog

MATCH = "match"
UPDATE = "update"

TRAINERS = ("fit", "classic")


def architectures():
    return tuple(sorted(catalog.ARCHITECTURES + catalog.CONDITIONAL_ARCHITECTURES))


def _grouped(values):
    """`{name: value}` -> `{value: [names]}`, in first-seen order: the `--help` lists below say each value once."""
    names = {}
    for name, value in values.items():
        names.setdefault(value, []).append(name)
    return names


def _listed(names):
    return f"{', '.join(names[:-1])} and {names[-1]}" if len(names) > 1 else names[0]


def latent_dims():
    """`64 for dcgan, dcgan_fc and upsample; 100 for the others`: each preset's latent size, for `--help`."""
    by_size = _grouped(catalog.LATENT_DIMS)
    common = max(by_size, key=lambda size: len(by_size[size]))
    listed = [f"{size} for {_listed(names)}" for size, names in by_size.items() if size != common]
    return "; ".join([*listed, f"{common} for the others"])


def variants():
    return catalog.VARIANTS


def datasets():
    return catalog.DATASETS


def resize_policies():
    return catalog.RESIZE_POLICIES


def cache_modes():
    return catalog.CACHE_MODES


def losses():
    return tuple(sorted(catalog.LOSSES))


def optimizers():
    return catalog.OPTIMIZERS


def variants_default(key):
    """`2e-4; 5e-5 for wgan, ...`: the default of optimizer setting `key` (`catalog.OPTIMIZER_DEFAULTS`'s
    names), then each other value the variants declare, for `--help` (the variants' own traits, not a copy)."""

    def form(value):
        if isinstance(value, str):
            return value
        return f"{value:.0e}".replace("e-0", "e-") if key == "learning_rate" else f"{value:g}"

    default = catalog.OPTIMIZER_DEFAULTS[key]
    declared = {name: form(o[key]) for name, o in catalog.VARIANT_OPTIMIZERS.items() if o.get(key, default) != default}
    others = ", ".join(f"{value} for {_listed(names)}" for value, names in _grouped(declared).items())
    return form(catalog.OPTIMIZER_DEFAULTS[key]) + (f"; {others}" if others else "")


def setting(default, help, *, resume, kind=None, choices=None, group=None, flag=None, cli=True):
    """A `TrainConfig` field.

    Args:
        default: the library's default (the main job overrides some: `MAIN_JOB`).
        help: what it does, for `--help` and the docs.
        resume: `MATCH` or `UPDATE` (see the module docstring).
        kind: the command line's value type, a name from `kgan.cli.types`
            (`positive_int`, `probability`, ...); booleans get `--x/--no-x`.
        choices: a tuple, or a function returning one (read from a registry).
        group: the `--help` section.
        flag: the flag, if not `--` + the name with dashes.
        cli: False for settings only the library takes (Python objects).
    """
    return dataclasses.field(
        default=default,
        metadata=dict(help=help, resume=resume, kind=kind, choices=choices, group=group, flag=flag, cli=cli),
    )


TRICKS = "stabilising tricks (lectures 000-002)"
SMALL_DATA = "small-data training (docs/small_data.md)"
DISTRIBUTED = "several devices or machines (tf.distribute; docs/distributed.md)"


def refuse_foreign_option(variant, takes, name, value, all_options):
    """Raises the one-line `ValueError` for option `name` of another variant, if `variant` (taking `takes`) lacks it.

    Read by `TrainConfig` and, before any TensorFlow import, by the command line (`kgan.cli.variants`).
    """
    if name not in takes and name in all_options:
        flag = "--" + name.replace("_", "-")
        raise ValueError(
            f"{flag} does not apply to the {variant} variant (its options: "
            f"{', '.join('--' + t.replace('_', '-') for t in takes) or 'none'}). Received: {flag} {value!r}"
        )
