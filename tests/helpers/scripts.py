"""The repository's scripts/ as modules, for tests of the yardsticks and the bench."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from tests.helpers.paths import REPO_ROOT

SCRIPTS = REPO_ROOT / "scripts"


def load_script(name: str) -> ModuleType:
    """scripts/``name``.py, loaded as the module ``name`` (registered in sys.modules: its
    dataclasses look their module up there), with scripts/ on the path while it loads (the
    bench imports its sibling scripts)."""
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.path.insert(0, str(SCRIPTS))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(SCRIPTS))
    return module
