"""Deployment readiness (Community Cloud or a teacher's laptop): cheap static checks plus one opt-in install test.

Pinned direct requirements (``requirements.in``) that cover every import, a lock (``requirements.txt``, made
by ``uv pip compile``) that pins every runtime dependency at the version tested, a CPU torch, paths resolved from ``__file__`` (the app
works from any working directory), a valid ``.streamlit/config.toml``, and assets small enough to ship.
``DEPLOY_FRESH_VENV=1`` additionally installs ``requirements.txt`` into a fresh virtualenv and serves
every page from it (slow: minutes, downloads packages).
"""
from __future__ import annotations

import ast
import importlib.metadata as metadata
import os
import re
import subprocess
import sys
import textwrap
import tomllib
import venv
from pathlib import Path

import pytest
from packaging.requirements import Requirement

REPO_ROOT = Path(__file__).resolve().parents[1]
APP_SOURCES = [REPO_ROOT / "app.py", *sorted((REPO_ROOT / "pages").glob("*.py")),
               *sorted((REPO_ROOT / "playground").rglob("*.py"))]
DEV_SOURCES = [*sorted((REPO_ROOT / "bench").glob("*.py")), *sorted((REPO_ROOT / "harness").glob("*.py")),
               *sorted((REPO_ROOT / "tests").rglob("*.py"))]
LOCAL_PACKAGES = {"app", "pages", "playground", "tests", "bench", "harness"}
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[A-Za-z0-9.+!-]+)$")
CPU_TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
CUDA_ONLY = re.compile(r"^(nvidia-|cuda-|triton$)")  # what PyPI's Linux torch adds to the CPU build's dependencies
MAX_ASSET_MB = 50


def normalise(name: str) -> str:
    """PEP 503 name: lower case, runs of -_. as one dash."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_lines(path: Path) -> list[str]:
    """The requirement lines of a requirements file: no comments, blanks, options or -r includes."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("-")]


def exact_pin(line: str) -> Requirement | None:
    """The requirement of a ``name==version`` line, with or without an environment marker; else None."""
    requirement = Requirement(line)
    specifiers = list(requirement.specifier)
    if requirement.url or len(specifiers) != 1 or specifiers[0].operator != "==" or "*" in specifiers[0].version:
        return None
    return requirement


def pins(path: Path, includes: bool = True) -> dict[str, str]:
    """``{normalised name: version}`` of a requirements file's exact pins whose marker holds here.

    With ``includes``, the files it includes with -r count too."""
    found: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if includes and line.startswith("-r "):
            found.update(pins(path.parent / line[3:].strip()))
    for line in requirement_lines(path):
        requirement = exact_pin(line)
        if requirement and (requirement.marker is None or requirement.marker.evaluate()):
            found[normalise(requirement.name)] = next(iter(requirement.specifier)).version
    return found


def direct_pins(*names: str) -> dict[str, str]:
    """The pins written by hand in these files (not the lock they include)."""
    return {name: version for file in names for name, version in pins(REPO_ROOT / file, includes=False).items()}


def installed_runtime_closure() -> dict[str, str]:
    """``{normalised name: installed version}`` of every distribution the direct runtime requirements pull in.

    Walks the installed distributions' ``Requires-Dist`` from requirements.in, recursively, keeping a
    requirement when its environment marker holds here (``extra`` set to each extra it was asked with)."""
    found: dict[str, str] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(name, frozenset()) for name in direct_pins("requirements.in")]
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        distribution = metadata.distribution(name)
        found[name] = distribution.version
        for line in distribution.requires or []:
            requirement = Requirement(line)
            if requirement.marker and not any(requirement.marker.evaluate({"extra": extra})
                                              for extra in extras or {""}):
                continue
            todo.append((normalise(requirement.name), frozenset(requirement.extras)))
    return found


def third_party_imports(sources: list[Path]) -> dict[str, Path]:
    """Top-level modules imported by ``sources`` that are neither stdlib nor this repo's, with one importer."""
    modules: dict[str, Path] = {}
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in LOCAL_PACKAGES and top != "__future__":
                    modules.setdefault(top, path)
    return modules


# --- requirements ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["requirements.in", "requirements-dev.txt"])
def test_every_direct_requirement_is_pinned_exactly(name):
    """Each requirement written by hand is ``name==version`` (no marker), so a deploy installs what was tested."""
    lines = requirement_lines(REPO_ROOT / name)
    assert lines
    unpinned = [line for line in lines if not PIN.match(line)]
    assert unpinned == [], f"not pinned with ==: {unpinned}"


def test_lock_pins_every_line_exactly_and_every_direct_pin():
    """requirements.txt is a uv lock: every line ``name==version`` (a marker at most), the direct pins unchanged."""
    text = (REPO_ROOT / "requirements.txt").read_text()
    assert text.startswith("# This file was autogenerated by uv"), "requirements.txt is compiled, not edited"
    lines = requirement_lines(REPO_ROOT / "requirements.txt")
    unpinned = [line for line in lines if not exact_pin(line)]
    assert unpinned == [], f"not pinned with ==: {unpinned}"
    locked = pins(REPO_ROOT / "requirements.txt")
    drifted = {name: (version, locked.get(name)) for name, version in direct_pins("requirements.in").items()
               if locked.get(name) != version}
    assert drifted == {}, f"requirements.in vs the lock (refresh it, see README): {drifted}"


def test_lock_pins_every_runtime_dependency_at_its_installed_version():
    """Every distribution the app's direct requirements pull in, transitively, is in the lock at the version
    installed here, so a fresh install next month is the app that was tested (not a newer altair, protobuf...)."""
    locked = pins(REPO_ROOT / "requirements.txt")
    closure = installed_runtime_closure()
    assert len(closure) > len(direct_pins("requirements.in"))
    unpinned = sorted(name for name in closure if name not in locked)
    assert unpinned == [], f"runtime dependencies the lock leaves floating: {unpinned}"
    wrong = {name: (locked[name], installed) for name, installed in closure.items()
             if installed.split("+")[0] != locked[name]}
    assert wrong == {}, f"locked vs installed: {wrong}"


def test_installed_versions_are_the_pinned_ones():
    """The environment running these tests is the one requirements-dev.txt (and the lock it includes) describes."""
    wrong = {}
    for name, version in pins(REPO_ROOT / "requirements-dev.txt").items():
        installed = metadata.version(name)
        if installed.split("+")[0] != version.split("+")[0]:
            wrong[name] = (version, installed)
    assert wrong == {}, f"pinned vs installed: {wrong}"


@pytest.mark.parametrize(("sources", "requirements"), [(APP_SOURCES, ["requirements.in"]),
                                                       (DEV_SOURCES, ["requirements.in", "requirements-dev.txt"])],
                         ids=["app", "dev"])
def test_every_third_party_import_is_a_pinned_requirement(sources, requirements):
    """The app's imports are all direct requirements (requirements.in), tests' and benches' also in
    requirements-dev.txt: nothing leans on a package that is only in the lock because something else needs it."""
    pinned = set(direct_pins(*requirements))
    distributions = metadata.packages_distributions()
    missing = {}
    for module, importer in third_party_imports(sources).items():
        names = {normalise(d) for d in distributions.get(module, [module])}
        if not names & pinned:
            missing[module] = str(importer.relative_to(REPO_ROOT))
    assert missing == {}, f"imported but not pinned in {requirements}: {missing}"


@pytest.mark.parametrize("name", ["requirements.in", "requirements.txt"])
def test_requirements_install_the_cpu_build_of_torch(name):
    """The lock (and its input) adds PyTorch's CPU index, as the only extra index, so Linux gets 2.13.0+cpu
    (and macOS its plain 2.13.0): torch is pinned without a local label, and the lock has no CUDA packages."""
    text = (REPO_ROOT / name).read_text()
    options = [line.split() for line in text.splitlines() if line.startswith("--extra-index-url")]
    assert [parts[1].rstrip("/") for parts in options if len(parts) == 2] == [CPU_TORCH_INDEX]
    assert pins(REPO_ROOT / name)["torch"] == metadata.version("torch").split("+")[0]
    cuda = [line for line in requirement_lines(REPO_ROOT / name) if CUDA_ONLY.match(normalise(Requirement(line).name))]
    assert cuda == [], f"CUDA packages in {name}: {cuda}"


def test_playground_never_imports_streamlit():
    """The core stays importable (and testable) without Streamlit: no module of it names streamlit (even in a
    function), and importing every one of them, with all they import in turn, loads no streamlit."""
    core = sorted((REPO_ROOT / "playground").rglob("*.py"))
    offenders = [str(p.relative_to(REPO_ROOT)) for p in core if "streamlit" in third_party_imports([p])]
    assert offenders == []
    modules = [".".join(p.relative_to(REPO_ROOT).with_suffix("").parts).removesuffix(".__init__") for p in core]
    code = f"import importlib, sys; [importlib.import_module(m) for m in {modules!r}]; sys.exit('streamlit' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT).returncode == 0


# --- paths -----------------------------------------------------------------------------------

def test_no_source_opens_assets_by_a_relative_path():
    """No string literal like "assets/..." in the app: every asset path is built from playground.paths."""
    relative = []
    for path in (p for p in APP_SOURCES if p.name != "paths.py"):  # paths.py joins "assets" to REPO_ROOT
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.match(
                    r"^\.?/?assets([/\\]|$)", node.value):
                relative.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}: {node.value!r}")
    assert relative == []


def test_assets_load_from_another_working_directory(tmp_path):
    """From an unrelated cwd: the paths point into the repo, the weights and MNIST load, and the app runs."""
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(REPO_ROOT)!r})
        from playground import paths
        from playground.digits import load_model
        from playground.digits.weights import load_card
        from playground.digits.mnist import load_mnist
        from streamlit.testing.v1 import AppTest
        assert paths.REPO_ROOT == __import__("pathlib").Path({str(REPO_ROOT)!r}), paths.REPO_ROOT
        load_model("linear"); load_card("linear")
        images, labels = load_mnist("test")
        assert images.shape == (10000, 28, 28), images.shape
        at = AppTest.from_file({str(REPO_ROOT / "app.py")!r}, default_timeout=60)
        for page in ["pages/softmax.py", "pages/training.py", "pages/digits.py"]:
            at.switch_page(page)
            at.query_params["model"] = "linear"
            at.run()
            assert not at.exception, (page, [e.value for e in at.exception])
            assert not at.error, (page, [e.value for e in at.error])
        import threading
        for thread in threading.enumerate():  # let the app's warm-up finish: a process that exits while a
            if thread.name in ("warm-up", "torch-import"):  # daemon thread is inside torch's C++ aborts
                thread.join(timeout=240)
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                            timeout=300, env={**os.environ, "PYTHONPATH": ""})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")


# --- configuration and size ------------------------------------------------------------------

def test_streamlit_config_is_present_valid_and_classroom_safe():
    """.streamlit/config.toml parses, uses only real options, runs headless and sends no usage stats."""
    from streamlit import config

    path = REPO_ROOT / ".streamlit" / "config.toml"
    settings = tomllib.loads(path.read_text())
    def flatten(table: dict, prefix: str = "") -> dict:  # nested tables, such as [theme.dark], name options too
        return {name: value for key, value in table.items()
                for name, value in (flatten(value, f"{prefix}{key}.") if isinstance(value, dict)
                                    else {f"{prefix}{key}": value}).items()}

    flat = flatten(settings)
    unknown = sorted(set(flat) - set(config.get_config_options()))
    assert unknown == [], f"not Streamlit options: {unknown}"
    assert flat.get("server.headless") is True
    assert flat.get("browser.gatherUsageStats") is False
    assert flat.get("server.runOnSave", False) is False  # a saved file must not rerun 30 sessions


def test_no_secrets_are_committed():
    """Secrets belong in Community Cloud's settings, never in the repo."""
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True).stdout.split()
    assert not [f for f in tracked if f.endswith("secrets.toml")]


def test_shipped_assets_are_small_enough_for_a_git_deploy():
    """Every asset is well under GitHub's 100 MB file limit and the total stays modest."""
    files = [p for p in (REPO_ROOT / "assets").rglob("*") if p.is_file()]
    sizes = {str(p.relative_to(REPO_ROOT)): p.stat().st_size / 1e6 for p in files}
    assert max(sizes.values()) < MAX_ASSET_MB, sizes
    assert sum(sizes.values()) < 4 * MAX_ASSET_MB, sizes


# --- opt-in: a fresh virtualenv from requirements.txt alone -----------------------------------

@pytest.mark.skipif(os.environ.get("DEPLOY_FRESH_VENV") != "1", reason="slow: set DEPLOY_FRESH_VENV=1 to run")
def test_fresh_virtualenv_installs_requirements_and_serves_every_page(tmp_path):
    """``pip install -r requirements.txt`` into an empty venv, then ``streamlit run app.py`` serves all pages."""
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    requirements = tmp_path / "requirements.txt"
    # The CPU index is not reachable from this sandbox; the same +cpu wheel comes from pip's local find-links.
    requirements.write_text("\n".join(line for line in (REPO_ROOT / "requirements.txt").read_text().splitlines()
                                      if not line.startswith("--extra-index-url")))
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(requirements)],
                             capture_output=True, text=True, timeout=1800)
    assert install.returncode == 0, install.stderr[-3000:]
    cpu = subprocess.run([str(python), "-c", "import torch; print(torch.__version__, torch.version.cuda)"],
                         capture_output=True, text=True, timeout=120)
    assert cpu.stdout.split()[-1] == "None", cpu.stdout + cpu.stderr
    serve_every_page(python)


def serve_every_page(python: Path) -> None:
    """``python -m streamlit run app.py`` on a free port; each page opens in chromium with no exception."""
    from playwright.sync_api import sync_playwright

    from harness.browser import CHROMIUM_ARGS, wait_for_app_run
    from harness.server import free_port, wait_healthy
    from tests.e2e.browser import assert_no_exception

    port = free_port()
    server = subprocess.Popen([str(python), "-m", "streamlit", "run", str(REPO_ROOT / "app.py"),
                               "--server.port", str(port), "--server.address", "127.0.0.1"],
                              cwd="/", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, server, timeout=120)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            tab = browser.new_page()
            tab.set_default_timeout(120_000)
            for path, title in [("", "Softmax Playground"), ("softmax", "Softmax explorer"),
                                ("training", "Training lab"), ("digits?model=linear", "Digit canvas")]:
                tab.goto(f"{url}/{path}")
                wait_for_app_run(tab, timeout=120_000)  # a cold server on a busy machine can take a while
                assert_no_exception(tab)
                assert tab.get_by_role("heading", name=title).first.is_visible()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
