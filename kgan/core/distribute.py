"""Training on several devices or machines with `tf.distribute`, without rewriting anything.

A kgan model built and compiled under a strategy's scope trains with `fit`
exactly as on one device; `kgan.train(strategy=...)` and the scripts'
`--strategy mirrored|multi_worker` do that for you:

    >>> strategy = kgan.core.distribute.get_strategy("mirrored")  # every GPU of this machine
    >>> with strategy.scope():                                 # doctest: +SKIP
    ...     gan = kgan.GAN(*kgan.models.build_models("dcgan"), seed=0)
    ...     gan.compile()
    >>> gan.fit(dataset, epochs=5)                             # doctest: +SKIP

What this module adds to Keras' own distribution is what GANs need beyond it:

- **Noise per replica.** A `keras.random.SeedGenerator` is mirrored, so every
  replica would draw the *same* latent vectors, labels, interpolation weights
  and instance noise for its slice of the batch. `replica_rows` draws the
  noise of the whole global batch with the shared seed and gives each replica
  its own rows: the replicas' noise is independent, and one step on N
  replicas equals one step on one device with the same batch and seed.
- **Statistics of the global batch.** `cross_replica_mean` for the few
  quantities that must not depend on how the batch is split (DRAGAN's
  perturbation scale, BEGAN's equilibrium update); the builders use
  synchronised BatchNorm when built under a strategy (`synchronized_batchnorm`).
- **One writer.** `is_chief` tells the chief worker, the only one whose run
  directory, checkpoints and export are kept.

Losses are divided by `num_replicas_in_sync` in `GAN.train_step` (each
replica's loss is a mean over its share of the batch, and the optimizer sums
the replicas' gradients), and Keras' metrics aggregate over the replicas.
"""

import json
import os
import socket

import tensorflow as tf
from keras import ops

STRATEGIES = ("default", "mirrored", "multi_worker")


def get_strategy(name="default", devices=None):
    """The `tf.distribute.Strategy` called `name`.

    Args:
        name: `"default"` (one device), `"mirrored"` (`MirroredStrategy`: every
            GPU of this machine, or every logical CPU made by `split_cpu`) or
            `"multi_worker"` (`MultiWorkerMirroredStrategy`: one process per
            machine, configured by the standard `TF_CONFIG` environment
            variable).
        devices: for `"mirrored"`, the devices to use (default: all GPUs, else
            all logical CPUs).

    Returns:
        A `tf.distribute.Strategy`.

    Raises:
        ValueError: for an unknown name, or `"multi_worker"` without a valid `TF_CONFIG`.
    """
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        if devices is None and not tf.config.list_logical_devices("GPU"):
            devices = [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices)
    if name == "multi_worker":
        check_tf_config(os.environ.get("TF_CONFIG"))
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"`strategy` must be one of {STRATEGIES}. Received: strategy={name!r}")


def strategy_name(strategy):
    """`"default"`, `"mirrored"`, `"multi_worker"`, or the class name of another strategy."""
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return "multi_worker"
    if isinstance(strategy, tf.distribute.MirroredStrategy):
        return "mirrored"
    if not tf.distribute.has_strategy() and strategy is tf.distribute.get_strategy():
        return "default"
    return type(strategy).__name__


def check_tf_config(text):
    """Checks the `TF_CONFIG` of a multi-worker run; returns it parsed.

    Raises:
        ValueError: naming what is missing or malformed.
    """
    example = '{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}'
    if not text:
        raise ValueError(
            f"--strategy multi_worker needs the TF_CONFIG environment variable, e.g. {example}. "
            "Received: TF_CONFIG unset"
        )
    try:
        config = json.loads(text)
        workers = config["cluster"]["worker"]
        task = config["task"]
        kind, index = task["type"], int(task["index"])
    except (ValueError, KeyError, TypeError):
        raise ValueError(f"TF_CONFIG must be JSON like {example}. Received: TF_CONFIG={text!r}") from None
    members = config["cluster"].get(kind)
    if not isinstance(workers, list) or not members or not 0 <= index < len(members):
        raise ValueError(
            f"TF_CONFIG's task must name a member of its cluster, as in {example}. Received: TF_CONFIG={text!r}"
        )
    return config


def local_tf_configs(num_workers):
    """The `TF_CONFIG` (JSON text) of each of `num_workers` workers on 127.0.0.1, on free ports.

    For trying `--strategy multi_worker` on one machine: start one process per
    returned config, each with `TF_CONFIG` set to it.
    """
    sockets = [socket.socket() for _ in range(num_workers)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    workers = [f"127.0.0.1:{s.getsockname()[1]}" for s in sockets]
    for s in sockets:
        s.close()
    return [
        json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": i}}) for i in range(num_workers)
    ]


def split_cpu(num_devices):
    """Splits the CPU into `num_devices` logical devices, so `MirroredStrategy` can be tried without GPUs.

    Must run before TensorFlow initialises its devices (before any op runs).
    The logical devices share the machine's cores: this is for testing and
    learning, not for speed.

    Raises:
        ValueError: if `num_devices` < 1.
        RuntimeError: if TensorFlow's devices are already initialised with
            another number of CPUs.
    """
    if not isinstance(num_devices, int) or num_devices < 1:
        raise ValueError(f"`num_devices` must be a positive integer. Received: num_devices={num_devices!r}")
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * num_devices)
    except RuntimeError:
        found = len(tf.config.list_logical_devices("CPU"))
        if found != num_devices:
            raise RuntimeError(
                f"TensorFlow's devices are already initialised with {found} logical CPU(s); split the CPU before "
                f"any TensorFlow op runs. Received: num_devices={num_devices}"
            ) from None


def is_chief(strategy=None):
    """Whether this process is the one that writes (the chief, or worker 0 of a cluster without one)."""
    strategy = strategy or tf.distribute.get_strategy()
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    if resolver.task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return resolver.task_type == "worker" and int(resolver.task_id) == 0 and not has_chief


def replica_rows(draw, batch_size):
    """This replica's rows of noise drawn for the whole global batch.

    Every replica holds the same seed state, so drawing `batch_size` rows on
    each would give every replica the same noise. Instead each draws
    `batch_size * num_replicas` rows (the same on all replicas) and keeps
    rows `[replica_id * batch_size, (replica_id + 1) * batch_size)`. On one
    device this is just `draw(batch_size)`.

    Args:
        draw: `fn(rows) -> tensor` drawing noise with a leading batch axis.
        batch_size: this replica's batch size (a Python int or scalar tensor).

    Returns:
        This replica's `batch_size` rows.
    """
    context = tf.distribute.get_replica_context()
    replicas = context.num_replicas_in_sync if context is not None else 1
    if replicas == 1:
        return draw(batch_size)
    noise = draw(batch_size * replicas)
    start = ops.cast(context.replica_id_in_sync_group, "int32") * ops.cast(batch_size, "int32")
    return noise[start : start + batch_size]


def cross_replica_mean(value):
    """The mean of `value` over all replicas (the value itself on one device)."""
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return value
    return context.all_reduce(tf.distribute.ReduceOp.MEAN, value)


def synchronized_batchnorm():
    """Whether builders should synchronise BatchNorm: true when building under a multi-replica strategy.

    Under `MirroredStrategy`, plain BatchNorm normalises each replica's slice
    with its own statistics, so the same global batch trains differently on
    two devices than on one; synchronised BatchNorm all-reduces the moments.
    """
    return tf.distribute.has_strategy() and tf.distribute.get_strategy().num_replicas_in_sync > 1


def shard_by_data(dataset):
    """`dataset` set to be split between workers batch by batch (`AutoShardPolicy.DATA`).

    The kgan pipelines read arrays held in memory, not files, so the default
    file-based sharding of `MultiWorkerMirroredStrategy` would fall back to
    this with a warning; saying it up front keeps the logs clean. Harmless on
    one machine.
    """
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)
