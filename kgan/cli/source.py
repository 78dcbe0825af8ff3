"""What a script's `--help` shows, read from kgan's source without importing it: defaults, table keys, constants.

`scripts/train_cyclegan.py --help` shows `train_cyclegan`'s defaults and the generator sizes, whose modules import
TensorFlow (seconds). Those values are Python literals, so the command line reads them from the modules' source
with `ast` (found by path: `importlib.util.find_spec` would run the parent packages, and `kgan.models` imports
Keras), and the modules stay their one home. `tests/test_startup.py` checks the values read against the imported
ones.
"""

import ast
import functools
import importlib.util
import pathlib


@functools.cache
def _tree(module):
    top, *inner = module.split(".")
    package = pathlib.Path(importlib.util.find_spec(top).origin).parent  # `kgan` itself is light
    return ast.parse(package.joinpath(*inner[:-1], f"{inner[-1]}.py").read_text(encoding="utf-8"))


def _top_level(module, kind, name):
    for node in _tree(module).body:
        if isinstance(node, ast.FunctionDef) and kind is ast.FunctionDef and node.name == name:
            return node
        if (
            isinstance(node, ast.Assign)
            and kind is ast.Assign
            and any(getattr(t, "id", None) == name for t in node.targets)
        ):
            return node.value
    raise LookupError(f"{module} has no top-level {name!r}")


def defaults_of(module, function):
    """`{argument: default}` of `module.function`'s arguments that have a default (each a Python literal)."""
    args = _top_level(module, ast.FunctionDef, function).args
    positional = [*args.posonlyargs, *args.args]
    pairs = [*zip(positional[len(positional) - len(args.defaults) :], args.defaults)]
    pairs += [(arg, default) for arg, default in zip(args.kwonlyargs, args.kw_defaults) if default is not None]
    return {arg.arg: ast.literal_eval(default) for arg, default in pairs}


def keys_of(module, name):
    """The keys of the dict `module.name` (a `{...}` display whose keys are literals), in their order."""
    table = _top_level(module, ast.Assign, name)
    if not isinstance(table, ast.Dict):
        raise LookupError(f"{module}.{name} is not a {{...}} display")
    return [ast.literal_eval(key) for key in table.keys]


def value_of(module, name):
    """The value of `module.name`: a Python literal, or a `dict(key=literal, ...)` call (a recipe's form)."""
    value = _top_level(module, ast.Assign, name)
    if isinstance(value, ast.Call) and getattr(value.func, "id", None) == "dict" and not value.args:
        if all(keyword.arg is not None for keyword in value.keywords):  # no `**other`
            return {keyword.arg: ast.literal_eval(keyword.value) for keyword in value.keywords}
    try:
        return ast.literal_eval(value)
    except ValueError:
        raise LookupError(f"{module}.{name} is not a literal or a dict(key=literal, ...) call") from None
