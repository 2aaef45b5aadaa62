"""Dependencies point down. This reads the project's own modules (not tests, not migrations,
not .venv) with `ast`, builds the graph of their imports and fails on every arrow against the
layering rules of STYLE.md, naming the file, the line and the arrow:

- faces (views, forms, filters, api/, admin, management commands, tasks, templatetags,
  middleware, urls) -> services / selectors / search and other logic -> models -> core;
  logic never imports a face, models import only models and core;
- `accounts` imports no other app of the project, nothing in `minerals` imports
  `engagements`, `core` imports no app;
- the domain's exceptions are imported from `core.exceptions`, never through another module;
- no import cycle between modules (module-level imports; `if TYPE_CHECKING:` ones are exempt);
- a face does not import another kind of face (query logic shared by the HTML pages and the
  API lives in selectors or a search module);
- no import of a project module inside a function, except the few in ALLOWED_LAZY_IMPORTS.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {"tests", "migrations", "__pycache__", "node_modules", "static", "templates"}

# Imports of project modules that must run inside a function, each with its reason.
# Keyed by (module, qualified name of the function).
ALLOWED_LAZY_IMPORTS: dict[tuple[str, str], str] = {}

FACE_PARTS = {
    "admin",
    "api",
    "context_processors",
    "feeds",
    "filters",
    "forms",
    "management",
    "middleware",
    "tasks",
    "templatetags",
    "urls",
    "views",
}


@dataclass(frozen=True)
class Arrow:
    source: str
    target: str
    path: str
    line: int
    names: tuple[str, ...]
    # "module": runs on import; "type_checking": under `if TYPE_CHECKING:`;
    # "function": inside a function, `function` names it.
    where: str
    function: str = ""

    def __str__(self) -> str:
        names = f" ({', '.join(self.names)})" if self.names else ""
        return f"{self.path}:{self.line}: {self.source} -> {self.target}{names}"


def _module_files() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for package in sorted(ROOT.iterdir()):
        if package.name in SKIPPED_DIRS or package.name.startswith("."):
            continue
        if not (package / "__init__.py").is_file():
            continue
        for path in sorted(package.rglob("*.py")):
            relative = path.relative_to(ROOT)
            if any(part in SKIPPED_DIRS or part.startswith(".") for part in relative.parts):
                continue
            # Only importable modules: every directory on the way is a package.
            if not all(
                (ROOT / Path(*relative.parts[:i]) / "__init__.py").is_file()
                for i in range(1, len(relative.parts))
            ):
                continue
            parts = list(relative.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk_imports(
    node: ast.AST, where: str = "module", function: str = "", scope: str = ""
) -> Iterator[tuple[ast.Import | ast.ImportFrom, str, str]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, where, function
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            name = f"{scope}{child.name}"
            yield from _walk_imports(child, "function", function or name, f"{name}.")
        elif isinstance(child, ast.ClassDef):
            yield from _walk_imports(child, where, function, f"{scope}{child.name}.")
        elif isinstance(child, ast.If) and _is_type_checking(child.test) and where == "module":
            for statement in child.body:
                yield from _walk_imports(
                    ast.Module(body=[statement], type_ignores=[]), "type_checking", function, scope
                )
            for statement in child.orelse:
                yield from _walk_imports(
                    ast.Module(body=[statement], type_ignores=[]), where, function, scope
                )
        else:
            yield from _walk_imports(child, where, function, scope)


@dataclass
class Graph:
    modules: dict[str, Path]
    arrows: list[Arrow]
    # module -> local name -> project module it is bound to (for `services.PermissionDenied`)
    bindings: dict[str, dict[str, str]]
    trees: dict[str, ast.Module]

    def resolve(self, name: str) -> str | None:
        while name:
            if name in self.modules:
                return name
            name = name.rpartition(".")[0]
        return None


@functools.cache
def graph() -> Graph:
    modules = _module_files()
    result = Graph(modules=modules, arrows=[], bindings={}, trees={})
    for module, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        result.trees[module] = tree
        bindings = result.bindings.setdefault(module, {})
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        relative_path = str(path.relative_to(ROOT))
        for node, where, function in _walk_imports(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    target = result.resolve(alias.name)
                    if target is None:
                        continue
                    result.arrows.append(
                        Arrow(module, target, relative_path, node.lineno, (), where, function)
                    )
                    if where != "function":
                        local = alias.asname or alias.name.partition(".")[0]
                        bindings[local] = target if alias.asname else alias.name.partition(".")[0]
                continue
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if result.resolve(name) is None:
                continue
            by_target: dict[str, list[str]] = {}
            for alias in node.names:
                submodule = f"{name}.{alias.name}"
                target = submodule if submodule in modules else result.resolve(name)
                assert target is not None
                by_target.setdefault(target, []).append(alias.name)
                if where != "function" and submodule in modules:
                    bindings[alias.asname or alias.name] = submodule
            for target, names in by_target.items():
                result.arrows.append(
                    Arrow(module, target, relative_path, node.lineno, tuple(names), where, function)
                )
    return result


def _app(module: str) -> str:
    return module.partition(".")[0]


def _is_model(module: str) -> bool:
    parts = module.split(".")
    return len(parts) > 1 and parts[1] == "models"


def _face_kind(module: str) -> str | None:
    """What kind of face a module is, or None for logic, models and core."""
    parts = module.split(".")
    if _is_model(module) or parts[0] == "core":
        return None
    if parts[0] == "config" or parts[-1] == "apps" or len(parts) == 1:
        return "wiring"
    if parts[0] == "api" or "api" in parts[1:]:
        return "api"
    names = set(parts[1:])
    if any(part == "urls" or part.startswith("urls_") for part in parts[1:]):
        return "urls"
    if "admin" in names:
        return "admin"
    if "management" in names:
        return "command"
    if "tasks" in names:
        return "task"
    if names & FACE_PARTS or any(part.startswith("views_") for part in parts[1:]):
        return "page"
    return None


def _layer(module: str) -> str:
    if _app(module) == "core":
        return "core"
    if _is_model(module):
        return "models"
    if _face_kind(module) is not None:
        return "faces"
    return "logic"


def _report(title: str, breaches: list[str]) -> str:
    return f"{title} ({len(breaches)}):\n  " + "\n  ".join(sorted(set(breaches)))


def _running_arrows() -> list[Arrow]:
    return [arrow for arrow in graph().arrows if arrow.where != "function"]


def test_the_graph_reads_the_project():
    modules = graph().modules
    assert {"core.exceptions", "accounts.models", "engagements.services", "api.urls"} <= set(
        modules
    )
    assert not any(".migrations" in module or module.startswith("tests") for module in modules)
    assert len(graph().arrows) > 200


def test_layers_point_down():
    """Models import models and core; logic (services, selectors, search...) never imports a
    face (view, form, filter, serializer, admin, command, task, request handling)."""
    breaches = []
    for arrow in _running_arrows():
        source, target = _layer(arrow.source), _layer(arrow.target)
        if source == "models" and target not in {"models", "core"}:
            breaches.append(f"{arrow}: a model imports {target}")
        elif source == "logic" and target == "faces":
            kind = _face_kind(arrow.target)
            breaches.append(f"{arrow}: logic imports a face ({kind})")
    assert not breaches, _report("Imports pointing up", breaches)


APP_RULES = {
    "core": ({"core"}, "core imports no app"),
    "accounts": ({"accounts", "core"}, "accounts imports no other app of the project"),
}


def test_apps_keep_to_their_side():
    breaches = []
    for arrow in _running_arrows() + [a for a in graph().arrows if a.where == "function"]:
        source, target = _app(arrow.source), _app(arrow.target)
        if source in APP_RULES and target not in APP_RULES[source][0]:
            breaches.append(f"{arrow}: {APP_RULES[source][1]}")
        if source == "minerals" and target == "engagements":
            breaches.append(f"{arrow}: nothing in minerals imports engagements")
    assert not breaches, _report("Imports across app boundaries", breaches)


def _domain_exceptions() -> set[str]:
    tree = graph().trees["core.exceptions"]
    return {node.name for node in tree.body if isinstance(node, ast.ClassDef)}


def test_domain_exceptions_come_from_core():
    exceptions = _domain_exceptions()
    assert {"PermissionDenied", "VersionConflict"} <= exceptions
    breaches = []
    for arrow in graph().arrows:
        if arrow.target != "core.exceptions":
            for name in set(arrow.names) & exceptions:
                breaches.append(f"{arrow}: import {name} from core.exceptions")
    for module, tree in graph().trees.items():
        bindings = graph().bindings[module]
        path = graph().modules[module].relative_to(ROOT)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in exceptions
                and isinstance(node.value, ast.Name)
                and bindings.get(node.value.id, "core.exceptions") != "core.exceptions"
            ):
                target = bindings[node.value.id]
                breaches.append(
                    f"{path}:{node.lineno}: {module} -> {target}.{node.attr}: "
                    f"use core.exceptions.{node.attr}"
                )
    assert not breaches, _report("Domain exceptions taken from elsewhere", breaches)


def _cycles(arrows: list[Arrow]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    edges: dict[str, set[str]] = {}
    for arrow in arrows:
        if arrow.source != arrow.target:
            edges.setdefault(arrow.source, set()).add(arrow.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return components


def test_no_import_cycles():
    arrows = [arrow for arrow in graph().arrows if arrow.where == "module"]
    breaches = []
    for component in _cycles(arrows):
        members = set(component)
        inside = [a for a in arrows if a.source in members and a.target in members]
        pairs = {(a.source, a.target) for a in inside}
        mutual = sorted(
            f"{a.source} <-> {a.target}" for a in inside if (a.target, a.source) in pairs
        )
        lines = "\n    ".join(str(a) for a in sorted(inside, key=str))
        kind = f"files importing each other: {', '.join(mutual)}; " if mutual else ""
        breaches.append(f"cycle of {len(component)} modules ({kind}arrows):\n    {lines}")
    assert not breaches, _report("Import cycles", breaches)


def _face_may_import(source: str, target: str) -> bool:
    source_kind, target_kind = _face_kind(source), _face_kind(target)
    if source_kind in {"urls", "wiring"}:
        return True
    if target_kind == "task":
        return True  # a face queues a task
    if source_kind == "api" and target_kind == "api":
        return _app(target) in {_app(source), "api"}  # the api app holds the shared base
    if source_kind == target_kind:
        return _app(source) == _app(target)
    return False


def test_faces_do_not_share_through_each_other():
    """A page does not import the API's query code nor another app's page, an API module
    does not import a page's form: what two faces share lives in selectors or search."""
    breaches = []
    for arrow in _running_arrows():
        if _layer(arrow.source) != "faces" or _layer(arrow.target) != "faces":
            continue
        if not _face_may_import(arrow.source, arrow.target):
            source_kind, target_kind = _face_kind(arrow.source), _face_kind(arrow.target)
            breaches.append(
                f"{arrow}: a {source_kind} face imports a {target_kind} face of "
                f"{_app(arrow.target)}; move what they share to selectors or search"
            )
    assert not breaches, _report("Faces importing other faces", breaches)


def test_no_project_import_hidden_in_a_function():
    breaches = []
    used = set()
    for arrow in graph().arrows:
        if arrow.where != "function":
            continue
        key = (arrow.source, arrow.function)
        if key in ALLOWED_LAZY_IMPORTS:
            used.add(key)
            continue
        breaches.append(f"{arrow}: imported inside {arrow.function}()")
    stale = sorted(f"{m}:{f}" for m, f in set(ALLOWED_LAZY_IMPORTS) - used)
    assert not stale, f"ALLOWED_LAZY_IMPORTS lists functions that import nothing: {stale}"
    assert not breaches, _report("Project imports inside functions", breaches)
