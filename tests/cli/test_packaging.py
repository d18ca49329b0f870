"""The distributions, built as a packager builds them: `python -m build` makes the sdist, then the
wheel from the unpacked sdist. The sdist carries completions/, man/, scripts/ and tests/; the
wheel, installed with --no-deps into a fresh venv, puts the man page and the three completion
scripts where man and the shells' loaders look (<venv>/share/...), byte for byte the checked-in
files; the licence is the SPDX expression.

Needs the `build` package (in the test extras): missing, the test skips, except under CI=true,
where it fails. It builds in a copy of the work tree, so it writes nothing into the repository.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INSTALLED = {  # where the wheel puts each file, under the environment's prefix
    "share/man/man1/hwctl.1": "man/hwctl.1",
    "share/bash-completion/completions/hwctl": "completions/bash/hwctl",
    "share/zsh/site-functions/_hwctl": "completions/zsh/_hwctl",
    "share/fish/vendor_completions.d/hwctl.fish": "completions/fish/hwctl.fish",
}
NOT_SOURCE = (".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", "*.pyc",
              ".pytest_cache", ".ruff_cache", ".hypothesis")  # fmt: skip


def need_build() -> None:
    if importlib.util.find_spec("build") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the build package is not installed under CI=true (the test extras)")
        pytest.skip("the build package is not installed (pip install -e '.[test]')")


def run(*argv: str | Path, cwd: Path) -> None:
    done = subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    assert done.returncode == 0, f"{argv}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(sdist, wheel), built from a copy of the work tree."""
    need_build()
    work = tmp_path_factory.mktemp("packaging")
    source = work / "hwctl"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE), symlinks=True)
    run(sys.executable, "-m", "build", "--outdir", work / "dist", source, cwd=work)
    (sdist,) = (work / "dist").glob("hwctl-*.tar.gz")
    (wheel,) = (work / "dist").glob("hwctl-*.whl")
    return sdist, wheel


def test_the_sdist_carries_completions_man_scripts_and_tests(dists: tuple[Path, Path]) -> None:
    sdist, _ = dists
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for rel in ["MANIFEST.in", "pyproject.toml", "README.md", *INSTALLED.values(),
                "ARCHITECTURE.md", ".importlinter",  # the README links the one, CI runs the other
                "scripts/generate.py", "tests/conftest.py", "tests/cli/test_packaging.py",
                "hwctl/store/migrations/script.py.mako"]:  # fmt: skip
        assert rel in names, rel
    for folder in ("completions/", "man/", "scripts/", "tests/"):
        assert any(n.startswith(folder) for n in names), folder
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in names if n.startswith((".venv/", ".git/"))]


def test_the_wheel_installs_the_man_page_and_completions_under_share(
    dists: tuple[Path, Path], tmp_path: Path
) -> None:
    _, wheel = dists
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", wheel, cwd=tmp_path)
    for installed, checked_in in INSTALLED.items():
        path = venv / installed
        assert path.is_file(), installed
        assert path.read_bytes() == (ROOT / checked_in).read_bytes(), installed
    assert (venv / "bin" / "hwctl").is_file()


def test_the_wheel_names_its_licence_as_an_spdx_expression(dists: tuple[Path, Path]) -> None:
    _, wheel = dists
    with zipfile.ZipFile(wheel) as zf:
        (meta,) = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        headers = zf.read(meta).decode().split("\n\n", 1)[0].splitlines()
    assert "License-Expression: LicenseRef-Proprietary" in headers
    assert not [h for h in headers if h.startswith("License:")]


def test_the_metadata_names_its_authors_and_classifiers_and_is_never_uploaded(
    dists: tuple[Path, Path],
) -> None:
    sdist, wheel = dists
    with zipfile.ZipFile(wheel) as zf:
        (meta,) = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        wheel_headers = zf.read(meta).decode().split("\n\n", 1)[0].splitlines()
    with tarfile.open(sdist) as tar:
        (pkg_info,) = [n for n in tar.getnames() if n.count("/") == 1 and n.endswith("/PKG-INFO")]
        sdist_headers = tar.extractfile(pkg_info).read().decode().split("\n\n", 1)[0].splitlines()
    for headers in (wheel_headers, sdist_headers):
        assert "Author: hwctl developers" in headers
        classifiers = [
            h.removeprefix("Classifier: ") for h in headers if h.startswith("Classifier:")
        ]
        assert "Private :: Do Not Upload" in classifiers
        assert "Programming Language :: Python :: 3.11" in classifiers
        assert "Environment :: Console" in classifiers
        assert not [c for c in classifiers if c.startswith("License ::")]  # the SPDX expression
