"""Lazy re-exports (PEP 562), and kgan's Keras classes registered as soon as Keras is imported.

`import kgan` must not import TensorFlow: the command line answers `--help` and a
bad flag in well under a second, and TensorFlow alone takes seconds to import. So
`kgan`, `kgan.core` and `kgan.training` declare their public names in dicts,
`_LAZY = {name: module}` (the module's attribute of that name) and
`_LAZY_MODULES = {name: module}` (the module itself), and import the module the
first time the name is read (`kgan.GAN`, `from kgan.training import train`).
`tests/test_architecture.py` reads these dicts as function-level imports, so the
layer rules see them.

Keras 3 imports the module a saved class names only for Keras's own packages
(`_retrieve_class_or_fn` in Keras's serialization library), so kgan's classes
must be registered before `keras.saving.load_model` reads a checkpoint, and
registering them needs Keras. `register_with_keras` makes `import kgan` enough:
once Keras is imported and no kgan module is half-way through its own import, it
imports the module that registers them all.
"""

import importlib
import importlib.abc
import importlib.util
import sys


def lazy_exports(package, names, modules=None):
    """`(__getattr__, __dir__)` of a package whose public names are imported on first use.

    Args:
        package: the package's `__name__`.
        names: `{name: module}`: `package.name` is `module.name`.
        modules: `{name: module}`: `package.name` is `module` itself.

    Example, at the end of a package's `__init__.py`:

    ```python
    _LAZY = {"GAN": "kgan.core.gan"}
    _LAZY_MODULES = {"losses": "kgan.core.losses"}
    __getattr__, __dir__ = lazy_exports(__name__, _LAZY, _LAZY_MODULES)
    ```
    """
    modules = dict(modules or {})

    def __getattr__(name):
        if name in names:
            value = getattr(importlib.import_module(names[name]), name)
        elif name in modules:
            value = importlib.import_module(modules[name])
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(sys.modules[package], name, value)
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(names) | set(modules))

    return __getattr__, __dir__


def register_with_keras(module):
    """Imports `module` (which registers kgan's Keras classes) now if Keras is imported, else right after it is.

    "Right after" is when Keras is complete and no kgan module is half-way through
    its own import (a kgan module that imports Keras finishes first), so the
    registering module can import any part of kgan.
    """
    if "keras" in sys.modules:
        importlib.import_module(module)
    elif not any(isinstance(finder, _Registrar) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Registrar(module))


class _Registrar(importlib.abc.MetaPathFinder):
    """Watches the imports of Keras and of kgan's modules; imports `module` at the first quiet moment after Keras."""

    def __init__(self, module):
        self.module = module
        self.depth = 0  # kgan modules (and Keras) being executed
        self.done = False

    def find_spec(self, fullname, path=None, target=None):
        if self.done or not (fullname == "keras" or fullname == "kgan" or fullname.startswith("kgan.")):
            return None
        sys.meta_path.remove(self)  # find the spec the usual way
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(0, self)
        if spec is not None and spec.loader is not None:
            spec.loader = _Watched(spec.loader, self)
        return spec

    def after_exec(self):
        if self.done or self.depth or "keras" not in sys.modules:
            return
        self.done = True
        sys.meta_path.remove(self)
        importlib.import_module(self.module)


class _Watched(importlib.abc.Loader):
    """A module's own loader, counted by the `_Registrar` while the module executes."""

    def __init__(self, loader, registrar):
        self._loader, self._registrar = loader, registrar

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._registrar.depth += 1
        try:
            self._loader.exec_module(module)
        finally:
            self._registrar.depth -= 1
        self._registrar.after_exec()

    def __getattr__(self, name):  # get_resource_reader, is_package, ...: the module's own loader answers
        return getattr(self._loader, name)
