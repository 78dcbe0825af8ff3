"""The checks of `kgan.training.TrainConfig`: each value on its own, then the settings together.

`check_values` checks each setting against its kind (`positive_int`,
`probability`, ...) and choices. `conflicts` names every setting that is in use
(not at its default) but that the others make meaningless, or that the trainer
or the variant cannot honour: lecture 004's classic loop has no EMA generator,
WGAN's critic takes no label smoothing, BEGAN's autoencoder no GAN loss,
RMSprop no betas, ... . `TrainConfig` refuses the first of them, so no setting
is ever silently ignored, and `TrainConfig.from_recipe` drops a recipe's
default that conflicts with what the caller chose (`MAIN_JOB`'s EMA generator
with `trainer="classic"`, its ADA target with `augment=None`).
"""

import dataclasses
import types

from kgan.core.optimizers import OPTIMIZER_ARGUMENTS
from kgan.core.spec import MAX_LATENT_DIM
from kgan.core.utils import MAX_INT, check_positive_int, check_seed
from kgan.training import settings
from kgan.training.device_choice import check_precision

# What lecture 004's `train_on_batch` loop trains: the plain GAN's two networks, its generator costs, its label
# smoothing and `d_steps` (kgan.training.classic); these settings it cannot honour.
_FIT_ONLY = (
    "ema",
    "augment",
    "ada_target",
    "r1",
    "d_weight_penalty",
    "instance_noise",
    "tensorboard",
    "steps_per_execution",
)


def check_values(config):
    """Checks every setting of `config` against its kind and choices; raises `ValueError` naming the first bad one."""
    for f in dataclasses.fields(config):
        kind, value = f.metadata["kind"], getattr(config, f.name)
        if value is None:
            continue
        if kind == "positive_int":
            check_positive_int(f.name, value, MAX_LATENT_DIM if f.name == "latent_dim" else MAX_INT)
        elif kind == "positive_int_or_auto" and value != "auto":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_INT:
                raise ValueError(f"`{f.name}` must be a positive integer or 'auto'. Received: {f.name}={value!r}")
        elif kind == "non_negative_int":
            check_seed(f.name, value)
        elif kind == "positive_float" and not (isinstance(value, (int, float)) and 0 < value < float("inf")):
            raise ValueError(f"`{f.name}` must be a positive number. Received: {f.name}={value!r}")
        elif kind == "non_negative_float" and not (isinstance(value, (int, float)) and 0 <= value < float("inf")):
            raise ValueError(f"`{f.name}` must be >= 0. Received: {f.name}={value!r}")
        elif kind in ("probability", "probability_or_off") and not 0 <= value <= 1:
            raise ValueError(f"`{f.name}` must be a probability in [0, 1]. Received: {f.name}={value!r}")
        elif kind == "fraction" and not 0 <= value < 1:
            raise ValueError(f"`{f.name}` must be in [0, 1). Received: {f.name}={value!r}")
        elif kind == "switch" and (value not in (True, False, "auto") or not isinstance(value, (bool, str))):
            raise ValueError(f"`{f.name}` must be True, False or 'auto'. Received: {f.name}={value!r}")
        elif kind == "precision":
            check_precision(value, f.name)
        elif kind == "decay_or_off" and not 0 < value < 1:
            raise ValueError(f"`{f.name}` must be a decay in (0, 1) or None. Received: {f.name}={value!r}")
        choices = f.metadata["choices"]
        if isinstance(value, str) and choices is not None and f.name not in ("arch", "variant"):
            choices = choices() if callable(choices) else choices
            if value not in choices:
                raise ValueError(f"`{f.name}` must be one of {tuple(choices)}. Received: {f.name}={value!r}")


def settings_of(config_class, settings):
    """A namespace of every setting: `settings`, and the fields' defaults for the others."""
    return types.SimpleNamespace(**{f.name: settings.get(f.name, f.default) for f in dataclasses.fields(config_class)})


def in_use(config_class, s):
    """The names of the settings of namespace `s` that differ from their field's default."""
    return {f.name for f in dataclasses.fields(config_class) if getattr(s, f.name) != f.default}


def conflicts(config_class, s):
    """`[(name, reason), ...]`: the settings in use in namespace `s` that the others leave no use for.

    Each reason is a sentence saying why the setting `name` cannot be honoured.
    """
    from kgan.core import GAN
    from kgan.core.losses import LOSSES
    from kgan.training.combined import GENERATOR_COSTS
    from kgan.variants import get_variant

    used = in_use(config_class, s)
    variant = get_variant(s.variant)
    found = []
    if s.trainer == "classic":
        why = "lecture 004's train_on_batch loop (trainer='classic') does not have it; use the fit trainer"
        found += [(name, why) for name in _FIT_ONLY if name in used]
        if variant is not GAN:
            found.append(("variant", "the classic trainer trains the plain GAN (variant='gan') only"))
        if s.loss is not None and s.loss not in GENERATOR_COSTS:
            found.append(("loss", f"the classic trainer's generator costs are {GENERATOR_COSTS}"))
    if variant.own_networks:
        why = f"the {s.variant} variant builds its paper's networks itself"
        found += [(name, why) for name in ("arch", "init") if name in used]
    if "loss" in used and not variant.takes_loss:
        found.append(("loss", f"the {s.variant} variant has its own loss, not a GAN loss"))
    if "label_smoothing" in used:
        loss = s.loss or variant.default_loss
        if "label_smoothing" not in variant.options:
            found.append(("label_smoothing", f"the {s.variant} variant's D has no real target to smooth"))
        elif not _smooths(LOSSES[loss]):
            found.append(("label_smoothing", f"the {loss} loss has no real target to smooth"))
    if "ada_target" in used and s.augment is None:
        found.append(("ada_target", "it adapts the augmentation's probability, and augment is off"))
    elif "ada_target" in used and not variant.logs_accuracy:
        found.append(("ada_target", f"it reads D's real/fake verdict, which the {s.variant} variant's D lacks"))
    if "augment_probability" in used and s.augment is None:
        found.append(("augment_probability", "augment is off"))
    if s.augment is not None and s.augment_probability == 0 and s.ada_target is None:
        found.append(("augment", "with a fixed augment_probability of 0 it is never applied"))
    if "cache" in used and s.dataset != "folder":
        found.append(("cache", "it keeps a folder's decoded images, and the dataset is not a folder"))
    if "instance_noise_steps" in used and not s.instance_noise:
        found.append(("instance_noise_steps", "it anneals the instance noise, and instance_noise is 0"))
    optimizer = resolve_optimizer(s)["optimizer"]
    for name in ("beta_1", "beta_2"):
        if name in used and name not in OPTIMIZER_ARGUMENTS[optimizer]:
            found.append((name, f"it is Adam's, and the optimizer is {optimizer}"))
    return found


def check_variant_options(config):
    """Refuses a `variant_options` key that is a setting of its own or another variant's option, and a bad value the
    variant can check without its networks (`check_options`)."""
    from kgan.variants import VARIANTS, get_variant

    fields = {f.name for f in dataclasses.fields(config)}
    takes = get_variant(config.variant).options
    everyone = {name for cls in VARIANTS.values() for name in cls.options}
    for key, value in (config.variant_options or {}).items():
        if key in fields:
            raise ValueError(
                f"`{key}` is a setting of its own, not a variant option: pass {key}=... . "
                f"Received: variant_options={config.variant_options!r}"
            )
        settings.refuse_foreign_option(config.variant, takes, key, value, everyone)
    get_variant(config.variant).check_options(config.variant_options or {})


def apply_recipe(config_class, recipe, given):
    """The settings of `config_class.from_recipe(recipe, **given)`: `given`, and the recipe's where they apply."""
    from kgan.variants import get_variant

    settings = {k: v for k, v in {**recipe, **given}.items() if k != "variant_options"}
    recipe_optimizer = resolve_optimizer(settings_of(config_class, recipe))["optimizer"]
    while True:
        s = settings_of(config_class, settings)
        dropped = {name for name, _ in conflicts(config_class, s) if name in recipe and name not in given}
        if resolve_optimizer(s)["optimizer"] != recipe_optimizer:
            # A recipe's learning rates and betas were tuned for its optimizer (Adam's 5e-4 is not RMSprop's).
            dropped |= {name for name in ("lr_d", "lr_g", "beta_1", "beta_2") if name in settings and name not in given}
        if not dropped:
            break
        for name in dropped:
            settings.pop(name)  # back to the field's default
    takes = get_variant(settings_of(config_class, settings).variant).options
    options = {k: v for k, v in (recipe.get("variant_options") or {}).items() if k in takes}
    return {**settings, "variant_options": {**options, **(given.get("variant_options") or {})}}


def _smooths(loss):
    """Whether `loss`'s D term takes one-sided label smoothing (the critic losses refuse it)."""
    try:
        loss.discriminator(0.0, 0.0, label_smoothing=0.1)
    except ValueError:
        return False
    return True


def resolve_optimizer(s):
    """The optimizer settings of namespace (or config) `s`, the variant's `optimizer_defaults` where `s` has None.

    Returns:
        `dict(optimizer, lr_d, lr_g, beta_1, beta_2)`; the betas are None for RMSprop, and
        for an Adam the variant does not describe (Keras's defaults then apply).
    """
    from kgan.variants import get_variant

    defaults = dict(get_variant(s.variant).optimizer_defaults)
    optimizer = s.optimizer or defaults["optimizer"]
    if optimizer != defaults["optimizer"]:
        defaults = dict(learning_rate=defaults["learning_rate"])  # its betas are another optimizer's
    resolved = dict(optimizer=optimizer, lr_d=s.lr_d, lr_g=s.lr_g, beta_1=s.beta_1, beta_2=s.beta_2)
    for name, key in (("lr_d", "learning_rate"), ("lr_g", "learning_rate"), ("beta_1", "beta_1"), ("beta_2", "beta_2")):
        if resolved[name] is None:
            resolved[name] = defaults.get(key)
    return resolved
