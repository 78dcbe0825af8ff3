"""What a `kgan.training.TrainConfig` field is made of: `setting(...)`, the resume policies, the `--help` groups.

The choices of the fields that name a registry entry are read from the
registry when asked (`architectures()`, `variants()`, ...), so a variant or
architecture registered later is a choice too.
"""

import dataclasses

MATCH = "match"
UPDATE = "update"

TRAINERS = ("fit", "classic")


def architectures():
    from kgan.models import ARCHITECTURES, CONDITIONAL_ARCHITECTURES

    return tuple(sorted({**ARCHITECTURES, **CONDITIONAL_ARCHITECTURES}))


def variants():
    from kgan.variants import VARIANTS

    return tuple(sorted(VARIANTS))


def datasets():
    from kgan.data import DATASETS

    return DATASETS


def resize_policies():
    from kgan.data.validation import RESIZE_POLICIES

    return RESIZE_POLICIES


def cache_modes():
    from kgan.data.streaming import CACHE_MODES

    return CACHE_MODES


def losses():
    from kgan.core.losses import LOSSES

    return tuple(sorted(LOSSES))


def optimizers():
    from kgan.core.optimizers import OPTIMIZERS

    return OPTIMIZERS


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
