"""Reading a discriminator's output as a logit, whatever its head (logit, sigmoid or two-way softmax)."""

import keras
from keras import ops

from kgan.core._keras_compat import call_without_activation


def head_kind(discriminator):
    """How to read D's output as a logit: "logit", "sigmoid" or "softmax2"."""
    units = discriminator.output.shape[-1]
    activation = getattr(discriminator.layers[-1], "activation", None)
    activation = getattr(activation, "__name__", str(activation))
    if units == 2 and activation == "softmax":
        return "softmax2"
    if units == 1 and activation == "sigmoid":
        return "sigmoid"
    if units == 1:
        return "logit"
    raise ValueError(
        "The discriminator must output one logit, one sigmoid probability or a two-way softmax "
        f"over [fake, real]. Received: output shape {tuple(discriminator.output.shape)} with activation {activation}"
    )


def logit_reader(discriminator, head):
    """A function `(inputs, training) -> logits (batch,)` reading D's output before its sigmoid or softmax.

    Inverting the activation instead (`log p - log(1 - p)`) needs clipping
    and loses the gradient once D is confident (|logit| > ~16 in float32),
    exactly when G needs it. So the reader takes the logits from D's own graph:

    - a D ending in an `Activation` layer: a model from D's inputs to that
      layer's input, which is the logit tensor of D's graph;
    - a D ending in `Dense(activation=...)`, whose graph holds no tensor before
      the activation: a model from D's inputs to the Dense's input, then the
      Dense layer itself called with its activation left out
      (`kgan.core._keras_compat.call_without_activation`). The Dense computes
      as in D's forward pass, so its dtype policy, LoRA (`enable_lora`) and
      quantization apply; applying its kernel by hand would read a quantized
      kernel without its scale.

    Both share D's variables (the reader is a plain function, not tracked, so
    not saved). The logits are those of D's probabilities: `sigmoid(logits)`
    is D's output, up to float rounding.

    Args:
        discriminator: the discriminator.
        head: its `head_kind`.

    Returns:
        The reader, or `None` if D already outputs logits or its last layer
        is neither a Dense with the activation nor an Activation layer (then
        `GAN` inverts the activation).
    """
    if head not in ("sigmoid", "softmax2"):
        return None
    last = discriminator.layers[-1]
    if not isinstance(last, (keras.layers.Dense, keras.layers.Activation)):
        return None
    features = keras.Model(discriminator.inputs, last.input, name=f"{discriminator.name}_features")

    def read(inputs, training=False):
        logits = features(inputs, training=training)
        if isinstance(last, keras.layers.Dense):
            logits = call_without_activation(last, logits, training=training)
        logits = ops.cast(logits, "float32")
        if head == "sigmoid":
            return ops.reshape(logits, (-1,))
        # A softmax over [fake, real]: p_real = sigmoid(z_real - z_fake).
        return logits[:, 1] - logits[:, 0]

    return read
