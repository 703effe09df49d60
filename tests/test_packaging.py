"""What `pip install .` puts on disk, and what `import gelu` costs."""

import ast
import subprocess
import sys
from importlib import resources
from importlib.metadata import version
from pathlib import Path

import gelu

PACKAGE = resources.files("gelu")


def test_version_matches_installed_metadata():
    assert gelu.__version__ == version("gelu")


def test_import_stays_light():
    code = (
        "import sys, gelu\n"
        "heavy = {'scipy', 'torch', 'matplotlib', 'dask', 'mpmath', 'gelu.cli', 'gelu.torch'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_optional_modules_say_what_they_need_when_it_is_missing():
    cases = {"gelu.torch": ("torch", "gelu.torch needs PyTorch: pip install torch"),
             "gelu.reference": ("scipy", "gelu.reference needs SciPy: pip install scipy")}
    for module, (missing, message) in cases.items():
        code = (f"import sys; sys.modules[{missing!r}] = None\n"
                "try:\n"
                f"    import {module}\n"
                "except ModuleNotFoundError as err:\n"
                "    print(err.name, '|', err)\n")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        name, text = out.stdout.strip().split(" | ")
        assert name == missing and text.startswith(message), out.stdout


def test_py_typed_and_stubs_are_installed():
    for name in ("py.typed", "__init__.pyi", "_ufuncs.pyi"):
        assert PACKAGE.joinpath(name).is_file(), name


def test_c_sources_are_not_installed():
    root = Path(gelu.__file__).parent
    assert not (root / "_kernels").exists()
    assert sorted(p.name for p in root.rglob("*") if p.suffix in {".c", ".h"}) == []


def test_package_stub_exports_the_runtime_names():
    tree = ast.parse(PACKAGE.joinpath("__init__.pyi").read_text())
    exported = {alias.asname for node in tree.body if isinstance(node, ast.ImportFrom)
                for alias in node.names}
    stub_all = next(ast.literal_eval(node.value) for node in tree.body
                    if isinstance(node, ast.Assign) and node.targets[0].id == "__all__")
    assert sorted(stub_all) == sorted(gelu.__all__)
    assert exported == set(gelu.__all__) | {"__version__", "reference", "variants"}


def test_variants_and_reference_are_there_after_a_plain_import():
    # as the README writes them; neither is imported by `import gelu` itself
    code = ("import sys, gelu\n"
            "assert 'gelu.variants' not in sys.modules and 'gelu.reference' not in sys.modules\n"
            "print(gelu.variants.ufunc('gelu_pytorch_tanh').__name__, gelu.reference.__name__)\n"
            "try:\n"
            "    gelu.nothing\n"
            "except AttributeError as err:\n"
            "    print(err)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["gelu_tanh gelu.reference", "module 'gelu' has no attribute 'nothing'"]
