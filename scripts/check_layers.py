#!/usr/bin/env python3
"""Checks that includes only point down and that SQL lives only in store/.

The layers (docs/architecture.md, STYLE §7), lowest first:
  0  mail, util, config          the vocabulary every layer may use
  1  store, dns, net, content    facts and data
  2  policy, queue, scan, archive, firewall  mechanisms built on them
  3  smtp, gateway, web, api     the conversations
  4  services/*                  the programs
A file may include its own folder, any folder of a lower layer, and other
folders of its own layer as long as the folders form no cycle. A quoted
include of an appliance folder from a lower layer fails the check, as does
any cycle between folders, and any SQL statement written outside store/.

Usage: scripts/check_layers.py [SOURCE_ROOT]   (exit status 1 on a violation)
"""
import pathlib
import re
import sys

LAYERS = {
    "mail": 0, "util": 0, "config": 0,
    "store": 1, "dns": 1, "net": 1, "content": 1,
    "policy": 2, "queue": 2, "scan": 2, "archive": 2, "firewall": 2,
    "smtp": 3, "gateway": 3, "web": 3, "api": 3,
}
SERVICES_LAYER = 4
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/[^"]+"', re.M)
# A string literal that starts an SQL statement: what a query written inline looks like.
SQL = re.compile(r'"\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|BEGIN|COMMIT|ROLLBACK|'
                 r'SAVEPOINT|RELEASE|REPLACE|WITH|PRAGMA)\s')


def folder_of(path: pathlib.Path, root: pathlib.Path):
    rel = path.relative_to(root).parts
    if rel[0] == "appliance" and len(rel) > 2:
        return rel[1], LAYERS.get(rel[1])
    if rel[0] == "services" and len(rel) > 2:
        return "services/" + rel[1], SERVICES_LAYER
    return None, None


def sources(root: pathlib.Path):
    for top in ("appliance", "services"):
        for p in sorted((root / top).rglob("*")):
            if p.suffix in (".h", ".cpp") and p.is_file():
                yield p


def find_cycle(edges):
    """A list of folders forming a cycle in the folder graph, or None."""
    state = {}
    stack = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent).resolve()
    problems = []
    edges = {}
    for path in sources(root):
        folder, layer = folder_of(path, root)
        if folder is None:
            continue
        rel = path.relative_to(root)
        if layer is None:
            problems.append(f"{rel}: folder '{folder}' has no layer (add it to scripts/check_layers.py)")
            continue
        text = path.read_text(errors="replace")
        for m in INCLUDE.finditer(text):
            target = m.group(1)
            if target not in LAYERS or target == folder:
                continue
            line = text.count("\n", 0, m.start()) + 1
            if LAYERS[target] > layer:
                problems.append(f"{rel}:{line}: includes {target}/ (layer {LAYERS[target]}) "
                                f"from {folder}/ (layer {layer}): includes only point down")
            edges.setdefault(folder, {})[target] = f"{rel}:{line}"
        if folder != "store":
            for m in SQL.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                problems.append(f"{rel}:{line}: SQL outside appliance/store/: {m.group(0).strip()}…")
    cycle = find_cycle({k: set(v) for k, v in edges.items()})
    if cycle:
        where = ", ".join(f"{a}→{b} ({edges[a][b]})" for a, b in zip(cycle, cycle[1:]))
        problems.append("folders include each other in a cycle: " + where)
    for p in problems:
        print(p)
    if problems:
        print(f"check_layers: {len(problems)} violation(s)")
        return 1
    print("check_layers: includes point down, no folder cycle, SQL only in store/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
