"""Reading a discriminator's output as a logit, whatever its head (logit, sigmoid or two-way softmax)."""

import keras
from keras import ops


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
    exactly when G needs it. The reader runs D up to its last layer and
    applies that layer's kernel and bias itself, sharing D's variables.

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
            logits = ops.matmul(ops.cast(logits, last.kernel.dtype), last.kernel)
            if last.use_bias:
                logits = logits + last.bias
        logits = ops.cast(logits, "float32")
        if head == "sigmoid":
            return ops.reshape(logits, (-1,))
        # A softmax over [fake, real]: p_real = sigmoid(z_real - z_fake).
        return logits[:, 1] - logits[:, 0]

    return read
