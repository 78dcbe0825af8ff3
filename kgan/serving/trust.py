"""Whether an export may run: its graph's ops, read without running them, against what a kgan generator needs.

A SavedModel is a program. Whoever loads one and calls a signature runs every op the signature holds, and
TensorFlow has ops that read and write files (`ReadFile`, `WriteFile`), call back into Python (`PyFunc`) or talk
to other machines. `check_export` reads `saved_model.pb` as a protocol buffer (nothing is loaded or run) and
refuses an export whose functions hold an op a kgan generator does not need; `load_generator` calls it before
`tf.saved_model.load`. The threat model is in docs/serving.md, "Exports you did not write".
"""

import hashlib
import re

import tensorflow as tf
from google.protobuf import message, text_format
from tensorflow.core.protobuf import saved_model_pb2

# The ops of every export kgan writes, outside the checkpoint functions below: the signatures' functions (the
# generator in inference mode, the uint8 conversion, `tf.map_fn` over `EncodePng`) and the main graph that
# calls them. Collected, not guessed: `python tests/test_untrusted_exports.py` exports the generator of every
# variant on every architecture preset it takes, in float32 and mixed_float16, conditional generators with
# labels of shape (), (1,) and one-hot, the MLP builder with the activations kgan uses, and the hand-built
# generators of tests/test_export.py (109 exports with TensorFlow 2.21 and Keras 3.15), and prints the sorted
# ops they hold; `test_every_kind_of_kgan_export_passes` keeps a sample of them within the list. A new layer
# (or TensorFlow version) may need a new op here: add what that script prints, never an op `DENIED_OPS`
# matches (those are refused even if listed).
GENERATOR_OPS = frozenset(
    (
        "AddV2",
        "ArgMax",
        "BiasAdd",
        "Bitcast",
        "BitwiseAnd",
        "Cast",
        "ConcatV2",
        "Const",
        "Conv2D",
        "Conv2DBackpropInput",
        "Elu",
        "EncodePng",
        "Equal",
        "ExpandDims",
        "Fill",
        "GatherV2",
        "Identity",
        "LeakyRelu",
        "Less",
        "LogicalAnd",
        "MatMul",
        "Mean",  # GroupNormalization(groups=-1): the instance normalisation of CycleGAN's networks
        "Maximum",
        "Mean",
        "Minimum",
        "Mul",
        "Neg",  # GroupNormalization(groups=-1): the instance normalisation of CycleGAN's networks
        "NoOp",
        "OneHot",
        "Pack",
        "Pad",  # ZeroPadding2D: PyTorch's conv padding in lecture 002's notebook generators
        "Placeholder",
        "ReadVariableOp",
        "Relu",
        "Reshape",
        "Round",
        "Rsqrt",
        "SelectV2",
        "Selu",
        "Shape",
        "Sigmoid",
        "Square",
        "Squeeze",
        "SquaredDifference",  # GroupNormalization(groups=-1): the instance normalisation of CycleGAN's networks
        "StatefulPartitionedCall",
        "StatelessWhile",
        "StopGradient",  # GroupNormalization(groups=-1): the instance normalisation of CycleGAN's networks
        "StridedSlice",
        "Sub",
        "Tanh",
        "TensorListFromTensor",
        "TensorListGetItem",
        "TensorListReserve",
        "TensorListSetItem",
        "TensorListStack",
        "Tile",
        "VarHandleOp",
    )
)

# What a text-to-image export (StackGAN, `kgan.serving.text_to_image`) needs beyond GENERATOR_OPS, allowed only in
# an export whose kgan.json says it is one: the caption's path through `TextVectorization` (lower-casing, stripping
# punctuation, splitting, the vocabulary's lookup tables and the functions Keras tracks with them), the
# conditioning augmentation (`Exp`, `Split`), G1's refinement and `serving_default`'s latent draw
# (`RandomStandardNormal`).
# Collected from an export of `tests/test_stackgan.py`, as GENERATOR_OPS was; none reads or writes files.
TEXT_TO_IMAGE_OPS = frozenset(
    (
        "Add",
        "AssignVariableOp",
        "Atanh",  # G1's ResidualRefinement
        "Cumsum",
        "DenseBincount",
        "Exp",
        "Greater",
        "HashTableV2",
        "LookupTableExportV2",
        "LookupTableFindV2",
        "LookupTableImportV2",
        "Max",
        "MutableHashTableV2",
        "NotEqual",
        "PartitionedCall",
        "RaggedTensorToTensor",
        "RandomStandardNormal",
        "RealDiv",
        "ResizeBilinear",  # G1 enlarges the stage-I image
        "Size",
        "Split",
        "StaticRegexReplace",
        "StringLower",
        "StringSplitV2",
        "Sum",
        "VarIsInitializedOp",
    )
)
_TEXT_TO_IMAGE_KIND = "text_to_image"

# The ops of the two functions TensorFlow adds to every SavedModel for its variables, `_traced_save` and
# `_traced_restore` (named by the meta graph's `saver_def`), collected with GENERATOR_OPS. They write and read
# checkpoint files, so each is allowed only in functions that its saver function alone reaches: a signature
# that reaches them is refused, and so is a restore function that saves or merges. `tf.saved_model.load`
# restores the variables with its own Python code, not with these functions; TF Serving runs
# `_traced_restore` on the export's own `variables/` folder when it loads a version.
SAVE_OPS = frozenset(
    (
        "Const",
        "DisableCopyOnRead",
        "Identity",
        "MergeV2Checkpoints",
        "NoOp",
        "Pack",
        "ReadVariableOp",
        "SaveV2",
        "Select",
        "ShardedFilename",
        "StaticRegexFullMatch",
        "StringJoin",
    )
)
RESTORE_OPS = frozenset(
    (
        "AssignVariableOp",
        "Const",
        "Identity",
        "NoOp",
        "RestoreV2",
    )
)

# What a generator never needs, refused even if GENERATOR_OPS names it by mistake (the saver's functions keep
# their SAVE_OPS and RESTORE_OPS): each kind, and a pattern that matches its op names.
DENIED_OPS = {
    "file I/O": re.compile(
        r"File|Reader|Record|Summary|Save|Restore|Checkpoint|ImmutableConst|LMDB|TextLine|Snapshot|LoadDataset"
    ),
    "a Python function": re.compile(r"PyFunc"),
    "process or network access": re.compile(r"RemoteCall|Send|Recv|Collective|DataService|RegisterDataset|Rpc"),
    "printing or debugging output": re.compile(r"Print|Debug"),
}

# The key of `kgan.json` holding the sha256 of `saved_model.pb`, written by `export_generator`.
FINGERPRINT_KEY = "saved_model_sha256"


class UntrustedExportError(ValueError):
    """An export whose graph holds ops a kgan generator does not need, or does not match its `kgan.json`."""


def denied_kind(op):
    """The kind of `DENIED_OPS` that `op` is (`"file I/O"`, ...), or None."""
    return next((kind for kind, pattern in DENIED_OPS.items() if pattern.search(op)), None)


def saved_model_fingerprint(path):
    """The sha256 (hex) of the SavedModel's graph file (`saved_model.pb`) in the version folder `path`."""
    return hashlib.sha256(_graph_file(path).read_bytes()).hexdigest()


def export_ops(path):
    """The ops of the SavedModel at `path`, read from its graph file without loading it.

    Returns:
        A dict from a role to the sorted ops of the code in that role: `"served"` (the main graph, the
        signatures, whatever they call and any function nothing calls), `"save"` and `"restore"` (the
        functions only the saver's `_traced_save` or `_traced_restore` reaches).
    """
    ops = {}
    for _, roles, function_ops in _code(path):
        for role in roles:
            ops.setdefault(role, set()).update(function_ops)
    return {role: sorted(role_ops) for role, role_ops in ops.items()}


def check_export(path, metadata):
    """Refuses the export at `path` unless its ops are a kgan generator's and its graph matches `kgan.json`.

    Every function of every meta graph is read. The main graph, the signatures, anything they call and any
    function nothing calls may hold `GENERATOR_OPS` only, never one of `DENIED_OPS`; a function only the
    saver's `_traced_save` reaches may hold `SAVE_OPS`, one only its `_traced_restore` reaches `RESTORE_OPS`.
    If `metadata` (the export's `kgan.json`) records a fingerprint, `saved_model.pb` must match it; exports
    older than the fingerprint (such as the shipped one) pass without it.

    Args:
        path: a SavedModel version folder.
        metadata: its `kgan.json` as a dict (`{}` if it has none).

    Raises:
        UntrustedExportError: naming the first refused op (and how many more there are), or the fingerprint.
        ValueError: if the graph file cannot be parsed.
    """
    refused = {}
    allowed_by_role = _ALLOWED
    if metadata.get("kind") == _TEXT_TO_IMAGE_KIND:  # the vocabulary's table is restored with the variables
        allowed_by_role = {
            "served": GENERATOR_OPS | TEXT_TO_IMAGE_OPS,
            "save": SAVE_OPS,
            "restore": RESTORE_OPS | {"LookupTableImportV2"},
        }
    for where, roles, ops in _code(path):
        allowed = frozenset.intersection(*(frozenset(allowed_by_role[role]) for role in roles))
        for op in sorted(ops):
            if op not in allowed or ("served" in roles and denied_kind(op)):
                refused.setdefault(op, where)
    if refused:
        op, *others = sorted(refused, key=lambda op: (denied_kind(op) is None, op))  # the denied ones first
        kind = denied_kind(op) or "not an op of kgan's generators"
        more = f" (and {len(others)} more: {', '.join(others)})" if others else ""
        raise UntrustedExportError(
            f"{path} runs the op {op} ({kind}) in {refused[op]}{more}; refusing to run an export whose graph "
            f"does more than generate images (trust=True, or --trust-export, runs it anyway). Received: op={op!r}"
        )
    recorded = metadata.get(FINGERPRINT_KEY)
    if recorded is not None and recorded != saved_model_fingerprint(path):
        raise UntrustedExportError(
            f"{_graph_file(path)} does not match the fingerprint in its kgan.json: the graph changed after kgan "
            f"exported it (trust=True, or --trust-export, runs it anyway). Received: {FINGERPRINT_KEY}={recorded!r}"
        )


_ALLOWED = {"served": GENERATOR_OPS, "save": SAVE_OPS, "restore": RESTORE_OPS}


def _graph_file(path):
    binary = path / "saved_model.pb"
    return binary if binary.is_file() or not (path / "saved_model.pbtxt").is_file() else path / "saved_model.pbtxt"


def _read_saved_model(path):
    graph_file = _graph_file(path)
    saved_model = saved_model_pb2.SavedModel()
    try:
        if graph_file.suffix == ".pbtxt":
            text_format.Parse(graph_file.read_text(), saved_model)
        else:
            saved_model.ParseFromString(graph_file.read_bytes())
    except (message.DecodeError, text_format.ParseError, UnicodeDecodeError, OSError) as error:
        raise ValueError(f"Cannot read the graph {graph_file}: {error}".splitlines()[0]) from None
    return saved_model


def _code(path):
    """`(where, roles, ops)` for the main graph and each function: `roles` is `{"served"}`, or the saver's
    functions (`"save"`, `"restore"`) that alone reach it; `ops` holds the ops (not the function calls)."""
    code = []
    for meta_graph in _read_saved_model(path).meta_graphs:
        graph = meta_graph.graph_def
        functions = {function.signature.name: function.node_def for function in graph.library.function}
        saver = {"save": meta_graph.saver_def.save_tensor_name, "restore": meta_graph.saver_def.restore_op_name}
        saver_nodes = {name.split(":")[0]: role for role, name in saver.items() if name}
        roots = {"served": set(meta_graph.object_graph_def.concrete_functions), "save": set(), "restore": set()}
        for node in graph.node:
            roots[saver_nodes.get(node.name, "served")].update(_callees(node, functions))
        reached = {role: _reach(role_roots, functions) for role, role_roots in roots.items()}
        code.append(("<main graph>", {"served"}, _ops(graph.node, functions)))
        for name, nodes in functions.items():
            roles = {role for role in ("save", "restore") if name in reached[role]}
            if not roles or name in reached["served"]:
                roles = {"served"}
            code.append((name, roles, _ops(nodes, functions)))
    return code


def _ops(nodes, functions):
    """The ops of `nodes`; a node whose op names a library function calls it (unless it is also a real op)."""
    return {node.op for node in nodes if node.op not in functions or _is_registered_op(node.op)}


def _is_registered_op(name):
    """Whether `name` is a TensorFlow op: a library function named `ReadFile` is checked as the op itself."""
    return hasattr(tf.raw_ops, name)


def _reach(roots, functions):
    """The library functions `roots` call, directly or not."""
    seen, stack = set(), [name for name in roots if name in functions]
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack.extend(callee for node in functions[name] for callee in _callees(node, functions))
    return seen


def _callees(node, functions):
    """The library functions a node may call: its op, and every function or string in its attributes."""
    callees = {node.op} & functions.keys()  # a function named like an op is called too, for `_reach`'s sake
    stack = list(node.attr.values())
    while stack:
        attr = stack.pop()
        names = [attr.func.name, attr.s, *(f.name for f in attr.list.func), *attr.list.s]
        callees.update(n if isinstance(n, str) else n.decode("utf-8", "replace") for n in names)
        stack.extend(attr.func.attr.values())
        for func in attr.list.func:
            stack.extend(func.attr.values())
    return callees & functions.keys()
