"""Every place kgan leans on Keras behaviour that Keras does not promise, in one module.

Each workaround below names the Keras behaviour it relies on, the Keras issue
it works around, and the Keras versions it was checked with;
`tests/test_keras_compat.py` has, for each, a test that fails when Keras
changes that behaviour (a renamed hook, an object Keras no longer accepts, a
fix that makes the workaround unnecessary). On a Keras outside the tested
range, `check_keras_version` warns once, so a user who upgrades knows which
workarounds to suspect first.

- `SkipSymbolicBuild`: `GAN` skips the symbolic build `fit` does under a
  `tf.distribute` strategy (`Trainer._maybe_symbolic_build`).
- `reducible_logs`: the train step's logs get an axis under
  `MultiWorkerMirroredStrategy`, which Keras reduces with `axis=0`.
- `hide_compile_state`: `ClassicGAN.save` hides D's own optimizer and compile
  config, which Keras would save inside the GAN.
- `add_untracked_endpoint`: the export adds endpoints without `track`, which
  stores every weight twice.
- `callback_list`: `ClassicGAN.fit` drives Keras callbacks with itself (not a
  `keras.Model`) as their model.
- `call_without_activation`: D's last layer applied without its activation,
  for D's logits (`kgan.core.heads.logit_reader`).
- `stateless_optimizer_step`: one step of an optimizer's own rule on tensors
  standing for its variables, differentiable (the unrolled GAN's D copy).
- `SavesSeedState`: a layer's or model's `SeedGenerator` state is saved with
  its weights, which Keras does not do (resume draws the same noise).

Not a function here, but leaned on the same way: `fit` gets its train function
from `make_train_function` and calls it once per `steps_per_execution` block
(Keras 3.15), which `PGGAN.make_train_function` overrides to call the step
compiled for the stage the next block needs. `tests/test_pggan.py`
(`test_training_on_the_stage_networks_equals_training_the_full_networks`,
`test_several_steps_per_call_hold_the_level_at_the_called_stage_until_the_next_call`)
fails if `fit` stops doing so.
"""

import contextlib
import warnings

import keras
import tensorflow as tf

TESTED_KERAS = "3.15"
"""The newest Keras (major.minor) these workarounds were checked with."""
OLDEST_TESTED_KERAS = "3.15"
"""The oldest Keras (major.minor) these workarounds were checked with."""

WORKAROUNDS = {
    "SkipSymbolicBuild": "Trainer._maybe_symbolic_build (keras-team/keras#20045, keras-team/keras#20585)",
    "reducible_logs": "reduce(MEAN, axis=0) of the logs under MultiWorkerMirroredStrategy (keras-team/keras#20585)",
    "hide_compile_state": "a nested compiled model's optimizer and compile config saved with its parent",
    "add_untracked_endpoint": "ExportArchive.track stores every variable twice (keras-team/keras#23553)",
    "callback_list": "CallbackList(model=...) accepting an object that is not a keras.Model",
    "call_without_activation": "Dense.call (and its quantized calls) reading `self.activation` at call time",
    "stateless_optimizer_step": "Optimizer.update_step writing through self.assign* (TF backend: no stateless_apply)",
}


class KerasVersionWarning(UserWarning):
    """Keras is outside the versions `kgan.core._keras_compat` was checked with."""


_warned = False


def _major_minor(version):
    return tuple(int(part) for part in version.split(".")[:2])


def check_keras_version(version=None):
    """Warns (once per process) if Keras is outside the versions these workarounds were checked with.

    A warning, not an error: a newer Keras most likely still works, and the
    warning names the workarounds to suspect if it does not.

    Args:
        version: the version to check (default `keras.__version__`).

    Returns:
        Whether the version is inside the tested range.
    """
    global _warned
    version = version or keras.__version__
    try:
        inside = _major_minor(OLDEST_TESTED_KERAS) <= _major_minor(version) <= _major_minor(TESTED_KERAS)
    except ValueError:  # a version string we cannot read: say so rather than guess
        inside = False
    if not inside and not _warned:
        _warned = True
        suspects = "; ".join(f"{name}: {what}" for name, what in WORKAROUNDS.items())
        warnings.warn(
            f"kgan was tested with Keras {OLDEST_TESTED_KERAS}-{TESTED_KERAS}; this is Keras {version}. "
            f"If training, saving, export or D's logits misbehave, suspect the workarounds of "
            f"kgan/core/_keras_compat.py ({suspects}); tests/test_keras_compat.py checks each.",
            KerasVersionWarning,
            stacklevel=2,
        )
    return inside


class SkipSymbolicBuild:
    """A mixin for a `keras.Model` whose sub-models are already built: `fit` builds nothing first.

    Keras' TensorFlow trainer calls `self._maybe_symbolic_build(iterator=...)`
    at the start of `fit` (and `evaluate`, `train_on_batch`, ...) when the
    model was made under a `tf.distribute` strategy (keras-team/keras#19969,
    re-landed after keras-team/keras#20045). It takes a batch from the data,
    reduces it across replicas and calls the model on it symbolically. A GAN
    called on images would run G on images; and under
    `MultiWorkerMirroredStrategy` the cross-worker reduce of that batch fails
    (keras-team/keras#20585: Keras 3 does not support that strategy). G and D
    are built functional models, so there is nothing to build: this override
    does nothing. Checked with Keras 3.15 (`_maybe_symbolic_build` is private).
    """

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        return


class DatasetsShuffleThemselves:
    """A mixin for a `keras.Model` trained on `tf.data` pipelines: `fit`'s `shuffle` defaults to off for a dataset.

    Keras' default `shuffle=True` does nothing for a `tf.data.Dataset` but warn that it is ignored ("The Dataset
    is expected to already be shuffled"; checked with Keras 3.15), so `model.fit(dataset, ...)` as the docs write it
    would warn on every call; kgan's pipelines shuffle themselves. For arrays it stays Keras' default.
    """

    def fit(self, x=None, *args, shuffle=None, **kwargs):
        if shuffle is None:
            shuffle = not isinstance(x, tf.data.Dataset)
        return super().fit(x, *args, shuffle=shuffle, **kwargs)


class SavesSeedState:
    """A mixin for a Keras layer or model with a `seed_generator`: its state is saved and loaded with the weights.

    Keras saves a layer's variables but not the state of a `keras.random.SeedGenerator` it holds (checked with
    Keras 3.15: `save_own_variables` skips it), so a reloaded object would restart its random stream. With this
    mixin first in the bases, a checkpoint carries the state under `seed_generator_state`, and a resumed run
    draws the noise (latents, pool swaps, conditioning draws) an uninterrupted one would. Checkpoints without
    the entry (older kgan's) load as before.
    """

    def save_own_variables(self, store):
        super().save_own_variables(store)
        store["seed_generator_state"] = self.seed_generator.state

    def load_own_variables(self, store):
        if "seed_generator_state" in store:
            self.seed_generator.state.assign(store["seed_generator_state"])
        super().load_own_variables({k: store[k] for k in store.keys() if k != "seed_generator_state"})


def reducible_logs(logs, strategy):
    """The train step's logs, each given one axis under `MultiWorkerMirroredStrategy`.

    Keras' TensorFlow trainer reduces a step's outputs across workers with
    `strategy.reduce("MEAN", value, axis=0)` when the strategy is a multi-worker
    collective one (`reduce_per_replica`), which fails on a scalar ("Invalid
    reduction dimension 0 for input with 0 dimensions", tensorflow/tensorflow#72388;
    keras-team/keras#20585: Keras 3 does not support that strategy). A shape-(1,)
    value reduces to the same mean, and the callbacks read it as a number.
    Elsewhere the logs are returned unchanged. Checked with Keras 3.15.

    Args:
        logs: `{name: scalar tensor}`.
        strategy: the current `tf.distribute` strategy.
    """
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return logs
    return {name: keras.ops.reshape(value, (1,)) for name, value in logs.items()}


@contextlib.contextmanager
def hide_compile_state(model):
    """While inside, `model` looks uncompiled to Keras saving: its optimizer and compile config are not saved.

    `Model.save` of a parent model saves every nested model's `optimizer` (its
    variables, under the nested model) and, for a nested model with
    `compiled=True`, its compile config, which makes `load_model` compile it
    again. Lecture 004's D is compiled for its own `train_on_batch`, but the
    GAN that holds it saves D's optimizer as its own `d_optimizer`; so the
    classic trainer hides D's compile state while it saves the GAN. Relies on
    saving reading the public attributes `optimizer` and `compiled` at save
    time. No Keras issue: this is Keras working as designed for nested models.
    Checked with Keras 3.15.

    Args:
        model: a compiled `keras.Model`, restored on exit (even after an error).
    """
    saved = model.optimizer, model.compiled
    model.optimizer, model.compiled = None, False
    try:
        yield model
    finally:
        model.optimizer, model.compiled = saved


def add_untracked_endpoint(archive, name, fn, input_signature):
    """Adds an endpoint to a `keras.export.ExportArchive` without `archive.track(model)`.

    Keras' documented pattern tracks the model and then adds endpoints; on the
    TensorFlow backend that stores every weight twice, once per wrapper
    (`variables/N` from `track`, `_all_variables/M` from the traced endpoint),
    doubling the export's size and TF Serving's memory (keras-team/keras#23553).
    An endpoint alone tracks the variables its function uses (documented under
    `ExportArchive.track`), so the export serves the same and holds each weight
    once. A model with lookup tables or other non-variable resources would still
    need `track`; a generator has none. Checked with Keras 3.15.

    Args:
        archive: a `keras.export.ExportArchive`.
        name: the endpoint's (signature's) name.
        fn: the function to serve.
        input_signature: its `tf.TensorSpec`s.
    """
    archive.add_endpoint(name, fn, input_signature=input_signature)


def callback_list(callbacks, model, **params):
    """A `keras.callbacks.CallbackList` (with a `History`, no progress bar) driving `callbacks` for `model`.

    `model` need not be a `keras.Model`: Keras' `CallbackList` only sets
    `model.history` and passes `model` to each callback's `set_model`, and
    kgan's callbacks read what they need from it (`generate`, `save`,
    `stop_training`). The classic trainer passes itself. Keras documents the
    argument as "the `Model` these callbacks are used with", so this is a
    tolerance, not a promise. Checked with Keras 3.15.

    Args:
        callbacks: Keras callbacks (or `None`).
        model: the object the callbacks see as `self.model`.
        **params: passed to every callback's `set_params` (`verbose`, `epochs`, `steps`).
    """
    return keras.callbacks.CallbackList(callbacks, add_history=True, add_progbar=False, model=model, **params)


def call_without_activation(layer, inputs, **kwargs):
    """`layer(inputs)` with the layer's `activation` left out: a Dense head's logits, through the layer itself.

    The layer's own `__call__` computes the result, so its dtype policy
    (mixed precision), LoRA (`enable_lora`) and quantization (`int8`, `int4`,
    `float8`, GPTQ, AWQ) apply as in D's forward pass. Relies on Keras' `Dense`
    (and its quantized calls) reading `self.activation` when called, so
    setting it to `linear` for the length of one call leaves the activation out.
    It is restored at once (even after an error); a trace of D made meanwhile
    would be wrong, so call this only where nothing else traces D concurrently
    (Keras traces on one thread). No Keras issue. Checked with Keras 3.15.

    Args:
        layer: a built layer with an `activation` attribute (`keras.layers.Dense`).
        inputs: its inputs.
        **kwargs: passed to the call (`training`).

    Raises:
        ValueError: if the layer has no `activation` attribute.
    """
    if not hasattr(layer, "activation"):
        raise ValueError(f"The layer has no `activation` to leave out. Received: {type(layer).__name__} {layer.name!r}")
    activation = layer.activation
    layer.activation = keras.activations.linear
    try:
        return layer(inputs, **kwargs)
    finally:
        layer.activation = activation


check_keras_version()


class _AssignThroughVariables:
    """The optimizer, with its `assign*` routed through `Variable.assign` (which honours a `StatelessScope`).

    The TensorFlow backend's optimizer assigns to the `tf.Variable` under a
    Keras variable, bypassing the scope.
    """

    def __init__(self, optimizer):
        self._optimizer = optimizer
        # Its own index reads the tf.Variable's id, which a mapped variable no longer has.
        self._index = {id(v): i for i, v in enumerate(optimizer._trainable_variables)}

    def __getattr__(self, name):
        return getattr(self._optimizer, name)

    def _get_variable_index(self, variable):
        return self._index[id(variable)]

    def assign(self, variable, value):
        variable.assign(value)

    def assign_add(self, variable, value):
        variable.assign(variable + value)

    def assign_sub(self, variable, value):
        variable.assign(variable - value)


def stateless_optimizer_step(optimizer, variables, values, optimizer_values, grads):
    """One step of `optimizer`'s own update rule on `values`, without touching any variable.

    Keras' `Optimizer.stateless_apply` does this on JAX but refuses on the
    TensorFlow backend ("incompatible with tf.distribute"; keras-team/keras#18398
    tracks stateless training on TF). This runs the optimizer's `update_step`
    (Adam's moments, SGD's momentum: the rule itself, without gradient clipping,
    weight decay or loss scaling) inside a `keras.StatelessScope` that maps
    `variables` to `values` and the optimizer's variables to `optimizer_values`,
    so the result is a differentiable function of its inputs (a `GradientTape`
    sees through it: the unrolled GAN's G differentiates through D's steps).

    Args:
        optimizer: a built Keras optimizer (its variables are read, never written).
        variables: the variables `values` stand for (those the optimizer was built with).
        values: their current values, tensors.
        optimizer_values: tensors for `optimizer.variables` (iterations, moments, ...).
        grads: gradients with respect to `values`.

    Returns:
        `(new values, new optimizer values)`, lists of tensors.
    """
    mapping = list(zip(variables, values)) + list(zip(optimizer.variables, optimizer_values))
    rule = _AssignThroughVariables(optimizer)
    with keras.StatelessScope(state_mapping=mapping) as scope:
        learning_rate = keras.ops.convert_to_tensor(optimizer.learning_rate)
        for grad, variable in zip(grads, variables):
            type(optimizer).update_step(rule, grad, variable, keras.ops.cast(learning_rate, variable.dtype))
        optimizer.iterations.assign(optimizer.iterations + 1)
        new_values = [scope.get_current_value(v) for v in variables]
        new_optimizer_values = [scope.get_current_value(v) for v in optimizer.variables]
    return new_values, new_optimizer_values
