"""No import cycles among hwctl's modules (issue 22): each module can be read, and loaded,
knowing only what it imports. Function-level imports count too: a lazy import is still an
edge of the graph (grimp, import-linter's graph builder, sees every import statement)."""

from __future__ import annotations

import grimp


def cycles(imports: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan, iterative) of a graph
    given as module -> the modules it imports."""
    modules = sorted(imports)
    edges = {m: sorted(x for x in imports[m] if x in imports) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in modules:
        if start in index:
            continue
        work = [(start, iter(edges[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        found.append(sorted(group))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(edges[child])))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_the_check_finds_a_cycle() -> None:
    imports = {"a": set(), "a.b": {"a.c"}, "a.c": {"a.b", "a.d"}, "a.d": {"a"}, "x": {"a.b"}}
    assert cycles(imports) == [["a.b", "a.c"]]
    imports["a"] = {"x"}
    assert cycles(imports) == [["a", "a.b", "a.c", "a.d", "x"]]


def test_no_module_of_hwctl_imports_one_that_imports_it_back() -> None:
    graph = grimp.build_graph("hwctl")
    imports = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    assert cycles(imports) == [], "import cycles: a module lower down must not import upwards"
