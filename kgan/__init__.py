"""kgan: Generative Adversarial Networks in Keras 3 / TensorFlow 2.

The models, losses and tricks of the GAN lectures in ``shared/lectures``, as Keras
functional builders, a ``keras.Model`` GAN trained with ``fit``, ``tf.data``
pipelines, callbacks that draw pictures, and SavedModel export for TF Serving.
"""

__version__ = "0.1.0"
