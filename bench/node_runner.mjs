// Runs a module under Node.js's `node:wasi` for the bench harness:
//
//     node node_runner.mjs MODULE.wasm TIME.txt [ARGS...]
//
// Compiles the module (WebAssembly.compile; V8 compiles lazily and tiers up while the
// program runs), instantiates it with WASI (stdio inherited, the working directory
// preopened as ".", no environment) and bench.start/bench.end as timers, calls
// `_start`, and writes the nanoseconds spent in instantiation plus `_start` to TIME.txt.
// Exits with the guest's exit status.
//
// The markers time the region between them as Sightglass does and as
// bench/stubs/bench_markers.c does for wasi-aot: each `end` adds the time since the last
// `start` to a total and writes the total in nanoseconds to the file named by
// WASI_AOT_BENCH_TIME (nothing when it is unset), after reading the clock.
import { readFileSync, writeFileSync } from "node:fs";
import { WASI } from "node:wasi";

const [path, timePath, ...args] = process.argv.slice(2);
const regionPath = process.env.WASI_AOT_BENCH_TIME;
const wasi = new WASI({
  version: "preview1",
  args: ["benchmark", ...args],
  env: {},
  preopens: { ".": "." },
  returnOnExit: true,
});
const module = await WebAssembly.compile(readFileSync(path));
let started = 0n;
let region = 0n;
const imports = {
  ...wasi.getImportObject(),
  bench: {
    start() {
      started = process.hrtime.bigint();
    },
    end() {
      region += process.hrtime.bigint() - started;
      if (regionPath) writeFileSync(regionPath, `${region}\n`);
    },
  },
};
const start = process.hrtime.bigint();
const instance = await WebAssembly.instantiate(module, imports);
const status = wasi.start(instance);
const elapsed = process.hrtime.bigint() - start;
writeFileSync(timePath, `${elapsed}\n`);
process.exitCode = status;
