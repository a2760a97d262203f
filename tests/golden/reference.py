#!/usr/bin/env python3
"""Checks the golden cases' expectations against an independent runtime (wasmtime from
PyPI: `pip install wasmtime`), so that expected outputs come from WebAssembly and WASI
semantics rather than from wasi-aot. Not part of `cargo test`; run it after adding or
changing cases:

    python3 tests/golden/reference.py [SUBSTRING...]

For each case that runs (not `build_error`) it compares the exit status, stdout,
stderr (unless the case traps), the trap reason (from wasmtime's trap code; wasmtime has
one code for both "undefined element" and "out of bounds table access"), the function
the trap happened in, the expected files, and that the `outside` directories are left
as they were. Cases with `link` (C host functions) cannot run here, nor can exit
statuses of 126 and above (wasmtime refuses them), modules importing `wasi_unstable`
(the Python API defines only preview1), nor the cases in KNOWN_DIFFERENCES; they are
listed as "not checkable". Exits non-zero if any checkable case disagrees.
"""
import os
import shutil
import sys
import tempfile
import tomllib

import wasmtime

GOLDEN = os.path.dirname(os.path.abspath(__file__))

# Cases whose expectations deliberately differ from wasmtime, with the reason.
KNOWN_DIFFERENCES = {
    "sandbox/guest-pointers": "wasmtime traps on a guest pointer outside linear memory; "
    "wasi-aot returns FAULT, preview1's errno for it",
}


def tree(root):
    """Every entry under `root`: relative path -> (kind, contents or link target)."""
    entries = {}
    for parent, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(parent, name)
            rel = os.path.relpath(path, root)
            if os.path.islink(path):
                entries[rel] = ("link", os.readlink(path))
            elif os.path.isdir(path):
                entries[rel] = ("dir", None)
            else:
                with open(path, "rb") as f:
                    entries[rel] = ("file", f.read())
    return entries


def run_case(group_dir, case, work):
    for host in [spec.split("::")[0] for spec in case.get("dirs", [])] + case.get("outside", []):
        shutil.copytree(os.path.join(group_dir, host), os.path.join(work, host), symlinks=True)
    wasm = module_bytes(group_dir, case)
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    config = wasmtime.WasiConfig()
    config.argv = ["prog", *case.get("args", [])]
    env = [kv.split("=", 1) for kv in case.get("env", [])]
    if case.get("inherit_env"):
        env = [kv.split("=", 1) for kv in sorted(case.get("host_env", []))] + env
    config.env = env
    for spec in case.get("dirs", []):
        host, guest = spec.split("::")
        config.preopen_dir(os.path.join(work, host), guest)
    stdin = os.path.join(work, ".stdin")
    with open(stdin, "w") as f:
        f.write(case.get("stdin", ""))
    config.stdin_file = stdin
    config.stdout_file = os.path.join(work, ".stdout")
    config.stderr_file = os.path.join(work, ".stderr")
    store.set_wasi(config)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    status, trap, frame = 0, None, None
    try:
        module = wasmtime.Module(engine, wasm)
        if case.get("flags", []) == ["--unknown-imports", "trap"]:
            for imp in module.imports:
                if imp.module != "wasi_snapshot_preview1":
                    linker.define_func(imp.module, imp.name, imp.type, unresolved)
        instance = linker.instantiate(store, module)
        instance.exports(store)["_start"](store)
    except wasmtime.ExitTrap as e:
        status = e.code
    except wasmtime.Trap as e:
        code = e.trap_code
        status, trap = 134, TRAP_REASONS.get(code, [e.message.splitlines()[-1]]) if code else [e.message]
        frame = e.frames[0].func_name if e.frames else None
    except wasmtime.WasmtimeError as e:
        # Instantiation traps (segments that do not fit) arrive as errors.
        status, trap = 134, [str(e).splitlines()[-1]]
    with open(os.path.join(work, ".stdout")) as f:
        stdout = f.read()
    with open(os.path.join(work, ".stderr")) as f:
        stderr = f.read()
    return status, trap, frame, stdout, stderr


# The spec's trap reasons for wasmtime's trap codes; wasmtime has one code for both
# table traps.
TRAP_REASONS = {
    wasmtime.TrapCode.STACK_OVERFLOW: ["call stack exhausted"],
    wasmtime.TrapCode.MEMORY_OUT_OF_BOUNDS: ["out of bounds memory access"],
    wasmtime.TrapCode.TABLE_OUT_OF_BOUNDS: ["undefined element", "out of bounds table access"],
    wasmtime.TrapCode.INDIRECT_CALL_TO_NULL: ["uninitialized element"],
    wasmtime.TrapCode.BAD_SIGNATURE: ["indirect call type mismatch"],
    wasmtime.TrapCode.INTEGER_OVERFLOW: ["integer overflow"],
    wasmtime.TrapCode.INTEGER_DIVISION_BY_ZERO: ["integer divide by zero"],
    wasmtime.TrapCode.BAD_CONVERSION_TO_INTEGER: ["invalid conversion to integer"],
    wasmtime.TrapCode.UNREACHABLE: ["unreachable"],
}


def module_bytes(group_dir, case):
    """The case's module as binary WebAssembly."""
    if "wat" in case:
        return wasmtime.wat2wasm(case["wat"])
    with open(os.path.join(group_dir, case["module"]), "rb") as f:
        data = f.read()
    return data if data.startswith(b"\0asm") else wasmtime.wat2wasm(data.decode())


def imports_wasi_unstable(group_dir, case):
    module = wasmtime.Module(wasmtime.Engine(), module_bytes(group_dir, case))
    return any(imp.module == "wasi_unstable" for imp in module.imports)


def unresolved(*_args):
    raise wasmtime.Trap("call to an unresolved import")


def compare_stream(case, stream, got):
    """Checks one output stream as the Rust runner does: exactly (empty by default)
    unless only `<stream>_contains` is given, plus every `<stream>_contains` substring."""
    problems = []
    contains = case.get(f"{stream}_contains", [])
    if stream in case or not contains:
        if got != case.get(stream, ""):
            problems.append(f"{stream} {got!r}, expected {case.get(stream, '')!r}")
    for want in contains:
        if want not in got:
            problems.append(f"{stream} {got!r} lacks {want!r}")
    return problems


def check(group_dir, case, work):
    status, trap, frame, stdout, stderr = run_case(group_dir, case, work)
    problems = []
    want_status = case.get("status", 134 if "trap" in case else 0)
    if status != want_status:
        problems.append(f"status {status} (trap {trap!r}), expected {want_status}")
    if "trap" in case and (trap is None or not any(case["trap"] in t for t in trap)):
        problems.append(f"trap {trap!r}, expected {case['trap']!r}")
    if "trap_function" in case and frame != case["trap_function"]:
        problems.append(f"trapped in {frame!r}, expected {case['trap_function']!r}")
    problems += compare_stream(case, "stdout", stdout)
    if "trap" not in case:
        problems += compare_stream(case, "stderr", stderr)
    for path, want in case.get("files", {}).items():
        with open(os.path.join(work, path)) as f:
            got = f.read()
        if got != want:
            problems.append(f"{path}: {got!r}, expected {want!r}")
    for host in case.get("outside", []):
        if tree(os.path.join(work, host)) != tree(os.path.join(group_dir, host)):
            problems.append(f"{host} changed")
    return problems


def main():
    filters = sys.argv[1:]
    failed = passed = 0
    for group in sorted(os.listdir(GOLDEN)):
        path = os.path.join(GOLDEN, group, "cases.toml")
        if not os.path.isfile(path):
            continue
        with open(path, "rb") as f:
            cases = tomllib.load(f)["case"]
        for case in cases:
            name = f"{group}/{case['name']}"
            if filters and not any(s in name for s in filters):
                continue
            if "build_error" in case:
                continue
            if case.get("link"):
                print(f"not checkable {name} (C host functions)")
                continue
            if case.get("status", 0) >= 126 and "trap" not in case:
                print(f"not checkable {name} (wasmtime refuses exit statuses >= 126)")
                continue
            if name in KNOWN_DIFFERENCES:
                print(f"not checkable {name} ({KNOWN_DIFFERENCES[name]})")
                continue
            if imports_wasi_unstable(os.path.join(GOLDEN, group), case):
                print(f"not checkable {name} (wasi_unstable)")
                continue
            with tempfile.TemporaryDirectory() as work:
                problems = check(os.path.join(GOLDEN, group), case, work)
            if problems:
                failed += 1
                print(f"DIFF {name}: " + "; ".join(problems))
            else:
                passed += 1
                print(f"same {name}")
    print(f"{passed} agree, {failed} disagree")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
