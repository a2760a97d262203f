"""Runs or compiles a module with wasmtime (PyPI's `wasmtime` package) for the bench
harness.

    wasmtime_runner.py compile MODULE.wasm OUT.cwasm TIMES.txt RUNS
        Compiles the module RUNS times (`Module(engine, bytes)`, which is wasmtime's
        precompilation) and writes each compile time in nanoseconds, one per line; the
        last result is serialized to OUT.cwasm.
    wasmtime_runner.py run MODULE.cwasm TIME.txt [ARGS...]
        Deserializes the precompiled module, instantiates it with WASI (stdio inherited,
        the working directory preopened as ".", no environment) and bench.start/bench.end
        as timers (see Markers), calls `_start`, and writes the nanoseconds spent in
        instantiation plus `_start` (compilation excluded) to TIME.txt. Exits with the
        guest's exit status. A second line holds the nanoseconds spent deserializing
        (the startup benchmark adds them: a wasmtime CLI pays them on every run).
"""

import os
import sys
import time

import wasmtime


def compile_module(path, out, times_path, runs):
    engine = wasmtime.Engine()
    wasm = open(path, "rb").read()
    times = []
    module = None
    for _ in range(runs):
        start = time.perf_counter_ns()
        module = wasmtime.Module(engine, wasm)
        times.append(time.perf_counter_ns() - start)
    open(out, "wb").write(module.serialize())
    open(times_path, "w").write("".join(f"{t}\n" for t in times))


class Markers:
    """bench.start and bench.end, timing the region between them as Sightglass does and
    as bench/stubs/bench_markers.c does for wasi-aot: each `end` adds the time since the
    last `start` to a total and writes the total in nanoseconds to the file named by
    WASI_AOT_BENCH_TIME (nothing when it is unset), after reading the clock."""

    def __init__(self):
        self.path = os.environ.get("WASI_AOT_BENCH_TIME")
        self.started = 0
        self.total = 0

    def start(self):
        self.started = time.perf_counter_ns()

    def end(self):
        self.total += time.perf_counter_ns() - self.started
        if self.path:
            with open(self.path, "w") as f:
                f.write(f"{self.total}\n")


def run_module(path, time_path, args):
    engine = wasmtime.Engine()
    load_start = time.perf_counter_ns()
    module = wasmtime.Module.deserialize_file(engine, path)
    load = time.perf_counter_ns() - load_start
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    nothing = wasmtime.FuncType([], [])
    markers = Markers()
    linker.define_func("bench", "start", nothing, markers.start)
    linker.define_func("bench", "end", nothing, markers.end)
    store = wasmtime.Store(engine)
    wasi = wasmtime.WasiConfig()
    wasi.argv = ["benchmark"] + args
    wasi.inherit_stdout()
    wasi.inherit_stderr()
    wasi.inherit_stdin()
    wasi.preopen_dir(".", ".")
    store.set_wasi(wasi)
    status = 0
    start = time.perf_counter_ns()
    instance = linker.instantiate(store, module)
    try:
        instance.exports(store)["_start"](store)
    except wasmtime.ExitTrap as e:
        status = e.code
    elapsed = time.perf_counter_ns() - start
    open(time_path, "w").write(f"{elapsed}\n{load}\n")
    sys.stdout.flush()
    sys.exit(status)


if __name__ == "__main__":
    if sys.argv[1] == "compile":
        compile_module(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        run_module(sys.argv[2], sys.argv[3], sys.argv[4:])
