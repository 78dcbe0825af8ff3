"""The package tree shows its layers: read every module's imports with `ast` and check the rules.

- nothing in the library imports the command line (`kgan.cli*`), not even inside a function;
- the imports that run when a module is loaded (module level, class bodies included) form no cycle, and
  neither do all imports, function-level ones included (leaving out `import kgan`, the top package);
- every import, function-level ones included, points down the layers (`LAYERS`), never up;
- a package's lazy re-exports (`_LAZY` and `_LAZY_MODULES` in its `__init__`, `kgan.core.lazy`: imported when
  first read, so `import kgan` needs no TensorFlow) count as function-level imports of their modules;
- no module is longer than `MAX_LINES`.

The checks are plain functions of `{module name: source}`, so a test can show they catch a bad import.
"""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "kgan"
MAX_LINES = 450
LAZY_EXPORTS = {"_LAZY", "_LAZY_MODULES"}  # a package's names imported on first use (kgan.core.lazy)

# Low to high: a module may import its own layer and the layers below it, never one above.
LAYERS = {
    "core": 0,
    "data": 1,
    "models": 1,
    "variants": 2,
    "callbacks": 3,
    "serving": 3,
    "metrics": 4,
    "training": 5,
    "lectures": 6,
    "cli": 7,
}


def read_sources(package=PACKAGE):
    """`{dotted module name: source}` of every module under `package` (a package is its `__init__`)."""
    sources = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        sources[".".join(parts)] = path.read_text()
    return sources


class _Imports(ast.NodeVisitor):
    """Collects `(target, module_level)` for every import statement; targets are dotted names."""

    def __init__(self, module, is_package):
        self.module, self.is_package = module, is_package
        self.found = []
        self._depth = 0  # functions entered: their imports run when called, not when the module loads

    def _function(self, node):
        self._depth += 1
        self.generic_visit(node)
        self._depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_Import(self, node):
        self.found.extend((alias.name, None, self._depth == 0) for alias in node.names)

    def visit_Assign(self, node):
        # `_LAZY = {name: "kgan.x.y"}`: the package imports kgan.x.y when the name is first read (kgan.core.lazy).
        names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        if set(names) & LAZY_EXPORTS and isinstance(node.value, ast.Dict):
            modules = [v.value for v in node.value.values if isinstance(v, ast.Constant)]
            self.found.extend((module, None, False) for module in modules)
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        base = node.module or ""
        if node.level:  # relative: resolve against this module's package
            package = self.module.split(".") if self.is_package else self.module.split(".")[:-1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join(package + ([base] if base else []))
        self.found.extend((base, alias.name, self._depth == 0) for alias in node.names)


def imports_of(sources):
    """`{module: [(imported kgan module, module_level)]}`; `from p import name` names `p.name` if that is a module."""
    graph = {}
    for module, source in sources.items():
        is_package = any(other.startswith(module + ".") for other in sources)
        visitor = _Imports(module, is_package)
        visitor.visit(ast.parse(source, filename=module))
        edges = []
        for base, name, module_level in visitor.found:
            target = f"{base}.{name}" if name and f"{base}.{name}" in sources else base
            while target and target not in sources:  # `import kgan.data.tfds as x` and the like: nearest module
                target = target.rpartition(".")[0]
            if target and target.split(".")[0] == "kgan" and target != module:
                edges.append((target, module_level))
        graph[module] = edges
    return graph


def cli_imports_in_library(sources):
    """`(module, target)` pairs where a module outside `kgan.cli` imports `kgan.cli` or one of its modules."""

    def in_cli(name):
        return name == "kgan.cli" or name.startswith("kgan.cli.")

    return [
        (module, target)
        for module, edges in imports_of(sources).items()
        if not in_cli(module)
        for target, _ in edges
        if in_cli(target)
    ]


def import_cycles(sources, function_level=False):
    """The cycles of the import graph, each as a list of modules `[a, b, ..., a]`.

    Args:
        sources: `{module: source}`.
        function_level: also follow the imports inside functions (they run later, but a cycle through them
            still ties two layers together); `import kgan` (the top package, for `__version__` or to register
            the Keras classes) is then left out, as every module sits below it.
    """
    graph = {
        m: sorted({t for t, module_level in edges if module_level or (function_level and t != "kgan")})
        for m, edges in imports_of(sources).items()
    }
    cycles, state, stack = [], {}, []  # state: 1 on the stack, 2 done

    def visit(module):
        state[module] = 1
        stack.append(module)
        for target in graph[module]:
            if state.get(target) == 1:
                cycles.append(stack[stack.index(target) :] + [target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    return cycles


def layer_of(module):
    """The layer a module belongs to: its package under kgan (`None` for `kgan` itself)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def upward_imports(sources):
    """`(module, target)` pairs where a module imports from a higher layer than its own (function level too).

    `kgan` itself is the top: it re-exports the public names and holds `__version__`, which the
    export's metadata reads (`import kgan` inside a function); importing it is not a layer crossing.
    """
    upward = []
    for module, edges in imports_of(sources).items():
        own = layer_of(module)
        for target, _ in edges:
            theirs = layer_of(target)
            if own is not None and theirs is not None and LAYERS[theirs] > LAYERS[own]:
                upward.append((module, target))
    return upward


@pytest.fixture(scope="module")
def sources():
    return read_sources()


def test_every_package_has_a_layer(sources):
    packages = {layer_of(module) for module in sources} - {None}
    assert packages == set(LAYERS), "add new top-level packages to LAYERS (and keep kgan/ free of loose modules)"
    assert not [m for m in sources if m.count(".") == 1 and m.split(".")[1] not in LAYERS], "loose top-level modules"


def test_no_library_module_imports_the_command_line(sources):
    assert cli_imports_in_library(sources) == []


def test_module_level_imports_have_no_cycle(sources):
    assert import_cycles(sources) == []


def test_no_cycle_even_through_function_level_imports(sources):
    # The cycles the tree had: cli -> metrics -> toy -> cli, and metrics.classifier <-> metrics.evaluation.
    assert import_cycles(sources, function_level=True) == []


def test_imports_point_down_the_layers(sources):
    assert upward_imports(sources) == []


def test_no_module_is_too_long(sources):
    lengths = {module: len(source.splitlines()) for module, source in sources.items()}
    assert {module: n for module, n in lengths.items() if n > MAX_LINES} == {}


def test_the_checks_catch_a_cli_import_in_the_gan(sources):
    for line in ("import kgan.cli", "from kgan.cli import main", "from kgan.cli.types import positive_int"):
        for where in ("{line}\n{source}", "{source}\n\ndef _late():\n    {line}\n"):
            bad = dict(sources)
            bad["kgan.core.gan"] = where.format(line=line, source=sources["kgan.core.gan"])
            assert [m for m, _ in cli_imports_in_library(bad)] == ["kgan.core.gan"], (line, where)
            assert any(m == "kgan.core.gan" and t.startswith("kgan.cli") for m, t in upward_imports(bad))


def test_the_checks_catch_a_cycle_and_ignore_function_level_imports():
    sources = {
        "kgan": "",
        "kgan.core": "",
        "kgan.core.a": "from kgan.core import b\n",
        "kgan.core.b": "import kgan.core.c\n",
        "kgan.core.c": "class C:\n    from kgan.core.a import thing\n",  # a class body runs at import time
    }
    assert import_cycles(sources) == [["kgan.core.a", "kgan.core.b", "kgan.core.c", "kgan.core.a"]]
    sources["kgan.core.c"] = "def f():\n    from kgan.core.a import thing\n"
    assert import_cycles(sources) == []
    assert import_cycles(sources, function_level=True) == [["kgan.core.a", "kgan.core.b", "kgan.core.c", "kgan.core.a"]]


def test_relative_imports_are_resolved():
    sources = {
        "kgan": "",
        "kgan.core": "",
        "kgan.core.a": "from . import b\nfrom .b import x\n",
        "kgan.core.b": "",
        "kgan.cli": "",
        "kgan.cli.c": "from ..core.b import y\n",
    }
    graph = imports_of(sources)
    assert graph["kgan.core.a"] == [("kgan.core.b", True), ("kgan.core.b", True)]
    assert graph["kgan.cli.c"] == [("kgan.core.b", True)]


def test_lazy_exports_count_as_imports():
    sources = {
        "kgan": "",
        "kgan.core": '_LAZY = {"thing": "kgan.core.a"}\n_LAZY_MODULES = {"c": "kgan.cli.c"}\n',
        "kgan.core.a": "",
        "kgan.cli": "",
        "kgan.cli.c": "",
    }
    assert imports_of(sources)["kgan.core"] == [("kgan.core.a", False), ("kgan.cli.c", False)]
    assert upward_imports(sources) == [("kgan.core", "kgan.cli.c")]
    assert cli_imports_in_library(sources) == [("kgan.core", "kgan.cli.c")]
