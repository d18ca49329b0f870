"""Check that an environment holds every direct dependency at its declared lower bound.

Run with the Python of a venv made by `uv pip install --resolution lowest-direct -e '.[test]'`
(.ci/run does): each requirement of pyproject.toml's dependencies and of its extras whose
marker applies must be installed at exactly its `>=` bound. A package resolved above its bound
means another requirement needs more than the bound says: the bound is not the lowest that is
tested, and this fails so that it is raised to what really works. Prints one line per package.
"""

from __future__ import annotations

import sys
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version


def lower_bound(requirement: Requirement) -> Version | None:
    bounds = [Version(spec.version) for spec in requirement.specifier if spec.operator == ">="]
    return max(bounds) if bounds else None


def main() -> int:
    pyproject = Path(__file__).parent.parent / "pyproject.toml"
    project = tomllib.loads(pyproject.read_text())["project"]
    name = canonicalize_name(project["name"])
    declared = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        declared.extend(extra)
    problems = 0
    for line in declared:
        requirement = Requirement(line)
        if canonicalize_name(requirement.name) == name:
            continue  # hwctl[postgres,api]: the extras themselves are listed too
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        bound = lower_bound(requirement)
        try:
            installed = Version(version(requirement.name))
        except PackageNotFoundError:
            print(f"MISSING  {requirement.name} ({line})")
            problems += 1
            continue
        if bound is None:
            print(f"NO BOUND {requirement.name} {installed}: declare a lower bound")
            problems += 1
        elif installed != bound:
            print(f"ABOVE    {requirement.name} {installed}, declared >={bound}")
            problems += 1
        else:
            print(f"ok       {requirement.name} {installed}")
    if problems:
        print(f"{problems} requirement(s) not at their declared lower bound", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
