"""Layout rules for `mlzone/`: files stay small, modules import each other without a cycle, and an import
inside a function is either a command's (mlzone/commands/*) or one of a heavy dependency, loaded on use.

The import graph is built with `ast` from module-level imports (`if TYPE_CHECKING:` blocks excluded: they
never run). `tests/unit/test_module_layers.py` checks the layers between `modules/`, `stacks/` and `mlzone/`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.unit

MAX_LINES = 300
FIRST_PARTY = ("mlzone", "stacks", "modules", "policies")
# Third-party packages that take seconds to import or start a runtime: imported where they are used.
HEAVY = {"cdktf", "cdktf_cdktf_provider_aws", "constructs", "jsii", "boto3", "botocore", "moto", "mlflow", "pyspark"}
HEAVY |= {"checkov"}
LAZY_ANYTHING = "mlzone.commands"  # command groups load what their commands need when they run


@dataclass
class Imports:
    """The first-party modules under a folder and what each imports, at module level and inside functions."""

    root: Path
    files: dict[str, Path] = field(default_factory=dict)
    module_level: dict[str, set[str]] = field(default_factory=dict)  # module -> imported modules (any package)
    in_functions: dict[str, list[tuple[str, int, str]]] = field(
        default_factory=dict
    )  # module -> (function, line, target)

    @classmethod
    def of(cls, root: Path, packages: tuple[str, ...] = FIRST_PARTY) -> Imports:
        found = cls(root)
        for package in packages:
            for file in sorted((root / package).rglob("*.py")):
                parts = list(file.relative_to(root).with_suffix("").parts)
                found.files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = file
        for name, file in found.files.items():
            tree = ast.parse(file.read_text(), str(file))
            found.module_level[name] = {t for node in _module_level(tree.body) for t in found.targets(node, name)}
            found.in_functions[name] = [
                (function.name, node.lineno, target)
                for function in ast.walk(tree)
                if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
                for node in ast.walk(function)
                if isinstance(node, ast.Import | ast.ImportFrom)
                for target in found.targets(node, name)
            ]
        return found

    def targets(self, node: ast.Import | ast.ImportFrom, here: str) -> list[str]:
        """The modules an import statement loads: `from a.b import c` is `a.b.c` when that is a module, else `a.b`."""
        if isinstance(node, ast.Import):
            return [alias.name for alias in node.names]
        base = node.module or ""
        if node.level:  # relative: from the package of `here`
            package = here.split(".") if self.files[here].name == "__init__.py" else here.split(".")[:-1]
            base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
        return [f"{base}.{a.name}" if f"{base}.{a.name}" in self.files else base for a in node.names]

    def graph(self, package: str) -> dict[str, set[str]]:
        """Module-level import edges among the modules of `package`."""
        inside = {m for m in self.files if m == package or m.startswith(package + ".")}
        return {m: {t for t in self.module_level[m] if t in inside and t != m} for m in inside}

    def heavy(self) -> set[str]:
        """HEAVY packages, and the first-party modules that import one at module level (directly or not)."""
        heavy = {m for m, targets in self.module_level.items() if {t.split(".")[0] for t in targets} & HEAVY}
        while grown := {m for m, targets in self.module_level.items() if m not in heavy and targets & heavy}:
            heavy |= grown
        return heavy | HEAVY

    def lazy_imports_of_light_modules(self, package: str) -> list[str]:
        """Imports inside functions of `package` (outside LAZY_ANYTHING) whose module is not heavy."""
        heavy = self.heavy()
        return [
            f"{self.files[m].relative_to(self.root).as_posix()}:{line} {function}() imports {target}"
            for m, imports in sorted(self.in_functions.items())
            if (m == package or m.startswith(package + ".")) and not m.startswith(LAZY_ANYTHING)
            for function, line, target in imports
            if target not in heavy and target.split(".")[0] not in HEAVY
        ]


def _module_level(body: list[ast.stmt]) -> list[ast.Import | ast.ImportFrom]:
    """The import statements a module runs when it is imported (not those in functions or TYPE_CHECKING)."""
    found: list[ast.Import | ast.ImportFrom] = []
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If) and not _is_type_checking(node.test):
            found += _module_level(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            found += _module_level(
                node.body + node.orelse + node.finalbody + [s for h in node.handlers for s in h.body]
            )
        elif isinstance(node, ast.With | ast.ClassDef):
            found += _module_level(node.body)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles of `graph`: its strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while (w := stack.pop()) != v:
                component.append(w)
            if component:
                found.append(sorted([v, *component]))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


@pytest.fixture(scope="module")
def project() -> Imports:
    return Imports.of(ROOT)


def test_no_file_in_mlzone_is_over_the_line_limit():
    long = {
        f.relative_to(ROOT).as_posix(): n
        for f in sorted((ROOT / "mlzone").rglob("*.py"))
        if (n := len(f.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"split these into single-purpose modules (at most {MAX_LINES} lines each): {long}"


def test_mlzone_modules_import_each_other_without_a_cycle(project):
    graph = project.graph("mlzone")
    assert len(graph) > 50 and sum(map(len, graph.values())) > 100, "the graph misses mlzone's modules or imports"
    assert cycles(graph) == []


def test_imports_inside_functions_are_commands_or_heavy_dependencies(project):
    assert project.lazy_imports_of_light_modules("mlzone") == [], (
        "import these at the top of the module; an import inside a function is only for mlzone/commands/* "
        f"and for heavy dependencies ({', '.join(sorted(HEAVY))}, or a module importing one)"
    )


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_the_rules_see_a_cycle_hidden_by_type_checking_or_not_and_a_lazy_import(tmp_path):
    root = write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg.b import f\n",
            "pkg/b.py": "import pkg.c\n",
            "pkg/c.py": "import typing\nfrom pkg import a\nif typing.TYPE_CHECKING:\n    from pkg import d\n",
            "pkg/d.py": "from pkg import c\ndef g():\n    from pkg.a import f\n    import boto3\n",
            "pkg/heavy.py": "import mlflow\n",
            "pkg/e.py": "def h():\n    from pkg import heavy\n",
        },
    )
    imports = Imports.of(root, ("pkg",))
    assert cycles(imports.graph("pkg")) == [["pkg.a", "pkg.b", "pkg.c"]]  # c -> d only under TYPE_CHECKING
    assert imports.lazy_imports_of_light_modules("pkg") == ["pkg/d.py:3 g() imports pkg.a"]
