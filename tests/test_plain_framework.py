"""The project's code uses the public APIs of Django, DRF and the other libraries only (STYLE.md,
"Plain framework"): no private modules, no private attributes of other packages, no ``_state`` or
``__dict__`` tricks, nothing of ``_meta`` beyond the documented Options API, and no HTML assembled
in Python. A module outside the allow-lists below fails the suite, so an upgrade breaks nothing.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APPS = [
    "core",
    "grids",
    "accounts",
    "petitions",
    "reports",
    "exports",
    "open311",
    "volunteers",
    "gridwork",
    "funds",
    "zhenhai",
]
THIRD_PARTY = ("django", "rest_framework", "django_filters", "drf_spectacular", "celery", "redis", "pghistory")

# Documented attributes of a model's ``_meta`` (the Model _meta API and the Meta options).
META_API = {
    "get_field",
    "get_fields",
    "app_label",
    "model_name",
    "object_name",
    "label",
    "label_lower",
    "verbose_name",
    "verbose_name_plural",
    "db_table",
    "pk",
    "ordering",
    "concrete_model",
}
# Private names of other packages that a module may use, each with the reason.
ALLOWED_PRIVATE: dict[tuple[str, str], str] = {
    ("", "_default_manager"): "Django's manager docs name Model._default_manager as the way to reach any model's rows",
}
# Modules that may write markup in Python, each with the reason.
ALLOWED_MARKUP: dict[str, str] = {
    "accounts/views.py": "the TOTP QR code is an SVG drawn by qrcode from our own otpauth URL (mark_safe)",
    "reports/charts.py": "charts are SVG drawn by reportlab's renderer from numbers (mark_safe of its output)",
}


def _modules() -> list[Path]:
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                found.append(path)
    return sorted(found)


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _own(name: str) -> bool:
    return name.split(".")[0] in APPS


class Finder(ast.NodeVisitor):
    def __init__(self, relative: str) -> None:
        self.relative = relative
        self.problems: list[str] = []
        self.imported_own: set[str] = set()

    def add(self, node, message: str) -> None:
        self.problems.append(f"{self.relative}:{node.lineno}: {message}")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._module(node, alias.name)
            if _own(alias.name):
                self.imported_own.add((alias.asname or alias.name).split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level:  # relative: our own
            return
        self._module(node, module)
        for alias in node.names:
            if _own(module):
                self.imported_own.add(alias.asname or alias.name)
            elif module.startswith(THIRD_PARTY) and _private(alias.name):
                self._private_name(node, module, alias.name)

    def _private_name(self, node, module: str, name: str) -> None:
        if (module, name) not in ALLOWED_PRIVATE:
            self.add(node, f"imports the private name {name} from {module}")

    def _module(self, node, module: str) -> None:
        if _own(module):
            return
        parts = module.split(".")
        if module.startswith("django.db.models.sql") or any(_private(part) for part in parts):
            self.add(node, f"imports the private module {module}")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        name = node.attr
        owner = node.value
        if name in ("_state", "__dict__"):
            self.add(node, f"reaches into {name}")
        elif isinstance(owner, ast.Attribute) and owner.attr == "_meta" and name not in META_API:
            self.add(node, f"uses _meta.{name}, not part of the documented Options API")
        elif name != "_meta" and _private(name):
            base = owner.id if isinstance(owner, ast.Name) else None
            if base in ("self", "cls") or base in self.imported_own:
                pass  # our own object or module
            elif (base or "", name) not in ALLOWED_PRIVATE:
                self.add(node, f"reads the private attribute .{name} of another package's object")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        function = node.func
        called = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
        if called in ("mark_safe", "SafeString") and self.relative not in ALLOWED_MARKUP:
            self.add(node, f"marks markup safe in Python ({called}): draw it in a template")
        if called in ("format_html", "format_html_join") and self.relative not in ALLOWED_MARKUP:
            self.add(node, f"writes HTML in Python ({called}): draw it in a template")
        self.generic_visit(node)


def _problems(path: Path) -> list[str]:
    relative = str(path.relative_to(ROOT))
    finder = Finder(relative)
    finder.visit(ast.parse(path.read_text(encoding="utf-8")))
    return finder.problems


def test_the_code_uses_public_apis_only():
    problems = [problem for path in _modules() for problem in _problems(path)]
    assert not problems, "Going around the framework (STYLE.md):\n" + "\n".join(problems)


def test_the_finder_catches_what_it_is_for(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from django.db.models.sql import InsertQuery\n"
        "from django.utils._os import safe_join\n"
        "from django.core.cache import cache\n"
        "from django.utils.safestring import mark_safe\n"
        "x = cache._cache\n"
        "y = obj._state.adding\n"
        "z = obj.__dict__['a']\n"
        "w = Model._meta.concrete_fields\n"
        "v = Model._meta.db_table\n"
        "html = mark_safe('<b>x</b>')\n",
        encoding="utf-8",
    )
    finder = Finder("sample.py")
    finder.visit(ast.parse(sample.read_text(encoding="utf-8")))
    found = "\n".join(finder.problems)
    for expected in (
        "private module django.db.models.sql",
        "private module django.utils._os",
        "private attribute ._cache",
        "reaches into _state",
        "reaches into __dict__",
        "_meta.concrete_fields",
        "marks markup safe",
    ):
        assert expected in found, expected
    assert "db_table" not in found


# The direction of dependencies (docs/architecture.md): an app may import the apps before it in this
# order of layers, never one after it. reports, exports and open311 sit on petitions.
LAYERS = [
    {"core"},
    {"grids"},
    {"accounts"},
    {"petitions"},
    {"volunteers"},  # opportunities from petitions, micro-wishes
    {"gridwork", "funds"},  # field days, meetings → petitions and wishes; funds pay projects and rewards
    {"reports", "exports", "open311"},
    {"zhenhai"},
]


def _layer(app: str) -> int:
    return next(index for index, apps in enumerate(LAYERS) if app in apps)


def _imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found & set(APPS)


def test_dependencies_point_one_way():
    wrong = []
    for path in _modules():
        app = path.relative_to(ROOT).parts[0]
        if app == "zhenhai":
            continue  # settings, URLs and the Celery app put the apps together
        for other in _imported_apps(path) - {app}:
            same_layer = _layer(other) == _layer(app)
            if _layer(other) > _layer(app) or (same_layer and app in ("petitions", "volunteers", "funds")):
                wrong.append(f"{path.relative_to(ROOT)} imports {other}")
    assert not wrong, "Dependencies that point the wrong way:\n" + "\n".join(sorted(wrong))
