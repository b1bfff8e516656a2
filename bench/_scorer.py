"""Import an evaluation set's own ``score.py``, so bench figures match the scorer exactly."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType


def find_scorer(gold: Path) -> ModuleType | None:
    """Import ``score.py`` from beside the gold file, or return None when there is none."""
    path = gold.parent / "score.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location(f"eval_{gold.parent.name}_score", path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_scorer(gold: Path) -> ModuleType:
    """Import ``score.py`` from beside the gold file, or exit saying it is missing."""
    module = find_scorer(gold)
    if module is None:
        raise SystemExit(f"no score.py beside {gold}")
    return module
