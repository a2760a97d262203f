// Runs a module under Node.js's `node:wasi` for the bench harness:
//
//     node node_runner.mjs MODULE.wasm TIME.txt [ARGS...]
//
// Compiles the module (WebAssembly.compile; V8 compiles lazily and tiers up while the
// program runs), instantiates it with WASI (stdio inherited, the working directory
// preopened as ".", no environment) and bench.start/bench.end as no-ops, calls
// `_start`, and writes the nanoseconds spent in instantiation plus `_start` to TIME.txt.
// Exits with the guest's exit status.
import { readFileSync, writeFileSync } from "node:fs";
import { WASI } from "node:wasi";

const [path, timePath, ...args] = process.argv.slice(2);
const wasi = new WASI({
  version: "preview1",
  args: ["benchmark", ...args],
  env: {},
  preopens: { ".": "." },
  returnOnExit: true,
});
const module = await WebAssembly.compile(readFileSync(path));
const imports = {
  ...wasi.getImportObject(),
  bench: { start() {}, end() {} },
};
const start = process.hrtime.bigint();
const instance = await WebAssembly.instantiate(module, imports);
const status = wasi.start(instance);
const elapsed = process.hrtime.bigint() - start;
writeFileSync(timePath, `${elapsed}\n`);
process.exitCode = status;
