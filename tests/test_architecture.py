"""The direction of imports between the packages (see docs/architecture.md).

serving/ and training/ sit on features/, which sits on recsys/; serving and
training never import each other; recsys imports no fastapi and only one of
its modules imports redis; only the command line (recsys.cli) may reach up
into training and serving, lazily; nothing imports notebooks.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("recsys", "features", "training", "serving")
# Which first-party packages each package may import.
ALLOWED = {
    "recsys": {"recsys"},
    "features": {"recsys", "features"},
    "training": {"recsys", "features", "training"},
    "serving": {"recsys", "features", "serving"},
}
COMPOSITION_ROOT = "recsys.cli"
MAX_REDIS_MODULES_IN_RECSYS = 1


def modules() -> list[tuple[str, Path]]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found.append((name, path))
    return found


def imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize(("module", "path"), modules(), ids=lambda v: v if isinstance(v, str) else "")
def test_imports_follow_the_layers(module: str, path: Path) -> None:
    package = module.split(".")[0]
    allowed = set(ALLOWED[package])
    if module == COMPOSITION_ROOT or module.startswith(COMPOSITION_ROOT + "."):
        allowed |= set(PACKAGES)
    for name in imported_names(path):
        top = name.split(".")[0]
        assert top != "notebooks", f"{module} imports notebooks"
        if top in PACKAGES:
            assert top in allowed, f"{module} imports {name}: {package} may import only {sorted(allowed)}"
        if package == "recsys":
            assert top != "fastapi", f"{module} imports fastapi; the core library must not"


def test_at_most_one_recsys_module_imports_redis() -> None:
    users = [
        m for m, p in modules() if m.startswith("recsys") and any(n.split(".")[0] == "redis" for n in imported_names(p))
    ]
    assert len(users) <= MAX_REDIS_MODULES_IN_RECSYS, f"modules of recsys importing redis: {users}"


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    # Guard against a checker that silently finds nothing.
    sample = tmp_path / "sample.py"
    sample.write_text("import serving.app\nfrom training.jobs import train\n", encoding="utf-8")
    assert imported_names(sample) == {"serving.app", "training.jobs"}
    assert len(modules()) > 10
