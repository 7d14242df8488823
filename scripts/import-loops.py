#!/usr/bin/env python3
"""Fails (exit 1) when modules of src/ import each other in a loop, or when a module
outside src/server/ imports it: server is the composition root, imported by nothing
(issue 12).

Reads every `crate::` and `super::` path in src/**/*.rs (use statements, braces expanded,
and inline paths), resolves each to the longest module it names, and looks for strongly
connected modules. Not counted: a module and its own parent or children (declaring and
re-exporting submodules is structure, not a dependency), and `#[cfg(test)] mod tests`
blocks or `tests.rs` files (tests may use anything, e.g. the seeder)."""
import pathlib
import re
import sys

SRC = pathlib.Path(__file__).resolve().parent.parent / "src"


def module_of(path):
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return "::".join(parts)


MODULES = {module_of(p): p for p in SRC.rglob("*.rs")}


def expand(text):
    """`a::{b, c::{d, e}}` -> ['a::b', 'a::c::d', 'a::c::e']."""
    text = text.strip()
    if "{" not in text:
        return [text.split(" as ")[0].strip()]
    head, _, rest = text.partition("{")
    inner = rest[: rest.rfind("}")]
    items, depth, current = [], 0, ""
    for ch in inner:
        depth += ch == "{"
        depth -= ch == "}"
        if ch == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += ch
    items.append(current)
    return [head + item for chunk in items if chunk.strip() for item in expand(chunk)]


def resolve(module, path):
    parts = [p for p in path.split("::") if p and p != "self"]
    if not parts:
        return None
    if parts[0] == "crate":
        base, parts = [], parts[1:]
    elif parts[0] == "super":
        # `super` of a mod.rs module is its parent folder's module, as for a file module.
        base = module.split("::") if module else []
        while parts and parts[0] == "super":
            base, parts = base[:-1], parts[1:]
    else:
        return None
    full = base + parts
    for n in range(len(full), 0, -1):
        candidate = "::".join(full[:n])
        if candidate in MODULES:
            return candidate
    return None


def related(a, b):
    return a == b or a.startswith(b + "::") or b.startswith(a + "::") or not a or not b


edges = {m: set() for m in MODULES}
for module, path in MODULES.items():
    if path.name == "tests.rs":
        continue
    text = path.read_text()
    text = text.split("#[cfg(test)]\nmod tests", 1)[0]
    text = re.sub(r"//[^\n]*", "", text)
    paths = []
    for use in re.findall(r"\buse\s+([^;]+);", text):
        paths += expand(re.sub(r"\s+", " ", use))
    paths += re.findall(r"\b(?:crate|super)(?:::[A-Za-z_][A-Za-z0-9_]*)+", text)
    for p in paths:
        target = resolve(module, p.strip())
        if target is not None and not related(module, target):
            edges[module].add(target)

# Tarjan's strongly connected components.
index, low, stack, on_stack, loops = {}, {}, [], set(), []
sys.setrecursionlimit(10_000)


def connect(v):
    index[v] = low[v] = len(index)
    stack.append(v)
    on_stack.add(v)
    for w in edges[v]:
        if w not in index:
            connect(w)
            low[v] = min(low[v], low[w])
        elif w in on_stack:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        component = []
        while True:
            w = stack.pop()
            on_stack.discard(w)
            component.append(w)
            if w == v:
                break
        if len(component) > 1:
            loops.append(sorted(component))


for v in sorted(MODULES):
    if v not in index:
        connect(v)

for component in loops:
    members = set(component)
    print("import loop between: " + ", ".join(component))
    for m in component:
        for t in sorted(edges[m] & members):
            print(f"  {m} -> {t}")
# The composition root: only the crate root (lib.rs, main.rs) and server itself use it.
upward = sorted(
    (m, t)
    for m in MODULES
    for t in edges[m]
    if m and not m.startswith("server") and (t == "server" or t.startswith("server::"))
)
for m, t in upward:
    print(f"{m} imports {t}: features sit below server, the composition root")
if loops or upward:
    sys.exit(1)
print(f"no import loops among {len(MODULES)} modules; none imports server")
