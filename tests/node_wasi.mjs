// Runs a WASI command module under Node.js's `node:wasi`, the way a wasi-aot executable
// runs it, for the differential check (tests/node_differential.rs):
//
//   node tests/node_wasi.mjs MODULE.wasm [--dir HOST[::GUEST]]... [--env K=V]... [--inherit-env] -- ARGV0 [ARGS...]
//
// The options mean what they mean to `wasi-aot build` and become node:wasi's
// `preopens` and `env` (with `--inherit-env`, the process's environment with the `--env`
// variables over it); `args` is ARGV0 and ARGS. stdin, stdout and stderr are the
// process's own. The exit status is the guest's `proc_exit` code, 0 when `_start`
// returns, and 134 on a trap (with the trap message on stderr), as for a wasi-aot
// executable. A module importing the legacy `wasi_unstable` module gets node:wasi's
// `unstable` version.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import process, { argv, exit, stderr } from 'node:process';

function usage() {
  stderr.write('usage: node node_wasi.mjs MODULE.wasm [--dir HOST[::GUEST]]... [--env K=V]... [--inherit-env] -- ARGV0 [ARGS...]\n');
  exit(2);
}

const rest = argv.slice(2);
const modulePath = rest.shift();
if (modulePath === undefined) usage();
const preopens = {};
const given = {};
let inherit = false;
let args = null;
while (rest.length > 0) {
  const opt = rest.shift();
  if (opt === '--') {
    args = rest.splice(0);
  } else if (opt === '--dir' && rest.length > 0) {
    const grant = rest.shift();
    const at = grant.indexOf('::');
    if (at < 0) {
      preopens[grant] = grant;
    } else {
      preopens[grant.slice(at + 2)] = grant.slice(0, at);
    }
  } else if (opt === '--env' && rest.length > 0) {
    const kv = rest.shift();
    const at = kv.indexOf('=');
    if (at < 0) usage();
    given[kv.slice(0, at)] = kv.slice(at + 1);
  } else if (opt === '--inherit-env') {
    inherit = true;
  } else {
    usage();
  }
}
if (args === null || args.length === 0) usage();
const env = inherit ? { ...process.env, ...given } : given;

const module = await WebAssembly.compile(await readFile(modulePath));
const unstable = WebAssembly.Module.imports(module).some((i) => i.module === 'wasi_unstable');
const wasi = new WASI({
  version: unstable ? 'unstable' : 'preview1',
  args,
  env,
  preopens,
  returnOnExit: true,
});
let status;
try {
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  status = wasi.start(instance);
} catch (e) {
  if (!(e instanceof WebAssembly.RuntimeError)) throw e;
  stderr.write(`error: wasm trap: ${e.message}\n`);
  status = 134;
}
exit(status);
