//! Checks the `wasi-aot-embed` API against the modules of `tests/library` (the Rust
//! side of `api_test.c`). Prints `FAIL line: ...` for each failed check and
//! `embed-api: N checks, M failed`; exits 1 on failure.

use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};

use wasi_aot_embed::{
    Caller, Config, Error, ExternKind, ExternRef, Instance, Module, State, Stdio, TrapCode,
    TypedFunc, Val, ValType,
};

static CHECKS: AtomicUsize = AtomicUsize::new(0);
static FAILURES: AtomicUsize = AtomicUsize::new(0);

macro_rules! check {
    ($cond:expr, $($what:tt)*) => {{
        CHECKS.fetch_add(1, Ordering::Relaxed);
        if !$cond {
            FAILURES.fetch_add(1, Ordering::Relaxed);
            println!("FAIL line {}: {}: {}", line!(), stringify!($cond), format!($($what)*));
        }
    }};
}

// Host functions found by symbol (env.add, env.scale, env.touch), as a C host's are;
// env.pass and env.mix come from the configuration.

/// `env.add`.
#[no_mangle]
pub extern "C" fn env_add(_: Caller<'_>, a: i32, b: i32) -> i32 {
    a.wrapping_add(b)
}

/// `env.scale`.
#[no_mangle]
pub extern "C" fn env_scale(_: Caller<'_>, x: f64) -> f64 {
    x * 2.5
}

/// `env.touch`: writes 0x12345678 at `ptr` and counts the call in the host data.
#[no_mangle]
pub extern "C" fn env_touch(mut caller: Caller<'_>, ptr: i32) {
    let (memory, calls) = caller.memory_and_data::<u32>();
    if let Some(bytes) = memory.get_mut(ptr as usize..ptr as usize + 4) {
        bytes.copy_from_slice(&0x1234_5678u32.to_le_bytes());
    }
    if let Some(calls) = calls {
        *calls += 1;
    }
}

extern "C" fn pass(_: Caller<'_>, r: ExternRef) -> ExternRef {
    r
}

extern "C" fn mix(_: Caller<'_>, a: i64, b: f32) -> i64 {
    a + (b * 4.0) as i64
}

extern "C" fn wrong_mix(_: Caller<'_>, a: i32) -> i32 {
    a
}

fn api_config() -> Config {
    let mut config = Config::new();
    config
        .host_func(
            "env",
            "pass",
            pass as extern "C" fn(Caller<'_>, ExternRef) -> ExternRef,
        )
        .host_func(
            "env",
            "mix",
            mix as extern "C" fn(Caller<'_>, i64, f32) -> i64,
        );
    config
}

fn api(module: Module) -> Instance {
    Instance::with_data(module, &api_config(), 0u32).expect("an api instance")
}

fn module_types(module: Module) {
    check!(module.name() == "api", "{}", module.name());
    let exports = module.exports();
    check!(exports.len() == 29, "{}", exports.len());
    let swap = module.export("swap").unwrap();
    check!(swap.index == 17, "{}", swap.index);
    match &swap.kind {
        ExternKind::Func(ty) => check!(
            ty.params == [ValType::I32, ValType::I64, ValType::F32, ValType::F64]
                && ty.results == [ValType::F64, ValType::F32, ValType::I64, ValType::I32],
            "{ty}"
        ),
        other => check!(false, "{other:?}"),
    }
    check!(
        matches!(module.export("ratio").unwrap().kind, ExternKind::Global(g) if g.content == ValType::F32 && g.mutable),
        "ratio"
    );
    check!(module.export("nope").is_err(), "no nope");
    let imports = module.imports();
    check!(imports.len() == 6, "{}", imports.len());
    check!(
        imports[3].module == "env" && imports[3].name == "mix",
        "{:?}",
        imports[3]
    );
}

fn instantiation(module: Module) {
    match Instance::new(module, &Config::new()) {
        Err(Error::Link(m)) => check!(m.contains("env.pass") && m.contains("env_mix"), "{m}"),
        other => check!(false, "{other:?}"),
    }
    let mut config = api_config();
    config.host_func(
        "env",
        "mix",
        wrong_mix as extern "C" fn(Caller<'_>, i32) -> i32,
    );
    match Instance::new(module, &config) {
        Err(Error::Invalid(m)) => check!(
            m.contains("env.mix") && m.contains("[i64 f32] -> [i64]"),
            "{m}"
        ),
        other => check!(false, "{other:?}"),
    }
    let mut config = Config::new();
    config.preopen("/no/such/directory/anywhere", "/x");
    let plain = wasi_aot_embed::module!(plain);
    match Instance::new(plain, &config) {
        Err(Error::Invalid(m)) => check!(m.contains("/no/such/directory/anywhere"), "{m}"),
        other => check!(false, "{other:?}"),
    }
    match Instance::new(wasi_aot_embed::module!(startfn), &Config::new()) {
        Err(Error::Trap { code, .. }) => {
            check!(code == Some(TrapCode::IntegerDivideByZero), "{code:?}")
        }
        other => check!(false, "{other:?}"),
    }
}

fn calls_and_isolation(module: Module) {
    let mut a = api(module);
    let mut b = api(module);
    check!(a.state() == State::Ready, "ready");
    check!(a.initialize().is_ok(), "initialize");
    check!(a.call::<(), i32>("ready", ()) == Ok(1), "_initialize ran");
    check!(b.call::<(), i32>("ready", ()) == Ok(0), "not in b");
    check!(
        matches!(a.initialize(), Err(Error::Invalid(m)) if m.contains("already")),
        "once"
    );
    check!(
        matches!(b.start(), Err(Error::Invalid(m)) if m.contains("reactor")),
        "start a reactor"
    );

    let bump: TypedFunc<(), i32> = a.typed_func("bump").unwrap();
    bump.call(&mut a, ()).unwrap();
    check!(bump.call(&mut a, ()) == Ok(2), "a counts");
    check!(bump.call(&mut b, ()) == Ok(1), "b counts separately");
    check!(
        a.global("counter") == Ok(Val::I32(2)),
        "{:?}",
        a.global("counter")
    );
    check!(b.set_global("counter", Val::I32(10)).is_ok(), "set");
    check!(
        bump.call(&mut b, ()) == Ok(11) && a.global("counter") == Ok(Val::I32(2)),
        "isolated globals"
    );
    check!(a.typed_func::<i32, i32>("bump").is_err(), "wrong type");
    let other = wasi_aot_embed::module!(plain);
    let mut p = Instance::new(other, &Config::new()).unwrap();
    check!(
        matches!(bump.call(&mut p, ()), Err(Error::Invalid(m)) if m.contains("module")),
        "other module"
    );

    check!(a.global("answer") == Ok(Val::I64(42)), "answer");
    check!(a.global("pi") == Ok(Val::F64(3.5)), "pi");
    check!(
        matches!(a.set_global("answer", Val::I64(1)), Err(Error::Invalid(m)) if m.contains("immutable")),
        "immutable"
    );
    check!(
        matches!(a.set_global("ratio", Val::I32(1)), Err(Error::Invalid(m)) if m.contains("f32")),
        "wrong type"
    );
    check!(
        a.set_global("vec", Val::V128(7)).is_ok() && a.global("vec") == Ok(Val::V128(7)),
        "v128"
    );
    check!(
        a.set_global("ref", Val::ExternRef(ExternRef(99))).is_ok(),
        "externref set"
    );
    check!(
        a.global("ref") == Ok(Val::ExternRef(ExternRef(99)))
            && b.global("ref") == Ok(Val::ExternRef(ExternRef::NULL)),
        "externref"
    );
    check!(a.global("fref").is_err(), "funcref globals are not values");

    check!(
        a.call::<(i32, i32), i32>("add_via_host", (40, 2)) == Ok(42),
        "env_add"
    );
    check!(
        a.call::<f64, f64>("scale_via_host", 2.0) == Ok(5.0),
        "env_scale"
    );
    check!(
        a.call::<ExternRef, ExternRef>("pass_via_host", ExternRef(5)) == Ok(ExternRef(5)),
        "pass"
    );
    check!(
        a.call::<(i64, f32), i64>("mix_via_host", (100, 2.5)) == Ok(110),
        "mix"
    );
    check!(
        a.call::<i32, i32>("touch_via_host", 64) == Ok(0x1234_5678),
        "touch"
    );
    check!(
        a.data::<u32>() == Some(&1) && b.data::<u32>() == Some(&0),
        "host data per instance"
    );
    check!(
        b.memory("memory").unwrap()[64..68] == [0; 4],
        "b's memory is its own"
    );

    let swapped = a.call::<(i32, i64, f32, f64), (f64, f32, i64, i32)>("swap", (1, 2, 3.5, 4.25));
    check!(swapped == Ok((4.25, 3.5, 2, 1)), "{swapped:?}");
    let dynamic = a.call_dynamic(
        "swap",
        &[Val::I32(1), Val::I64(2), Val::F32(3.5), Val::F64(4.25)],
    );
    check!(
        dynamic
            == Ok(vec![
                Val::F64(4.25),
                Val::F32(3.5),
                Val::I64(2),
                Val::I32(1)
            ]),
        "{dynamic:?}"
    );
    check!(
        a.call_dynamic("swap", &[Val::I32(1)]).is_err(),
        "wrong dynamic arguments"
    );
    let x = u128::from_le_bytes(std::array::from_fn(|i| i as u8));
    let sum = a.call::<(u128, u128), u128>("vadd", (x, 0x0000_0001_0000_0001_0000_0001_0000_0001));
    check!(
        sum.map(|s| s.to_le_bytes()[..5].to_vec()) == Ok(vec![1, 1, 2, 3, 5]),
        "vadd"
    );

    let base = a.memory("memory").unwrap().as_ptr();
    check!(a.memory("memory").unwrap().len() == 65536, "memory size");
    check!(a.call::<i32, i32>("grow", 1) == Ok(1), "grow");
    check!(
        a.memory("memory").unwrap().len() == 131072 && a.memory("memory").unwrap().as_ptr() == base,
        "grown in place"
    );
    a.memory_mut("memory").unwrap()[100_000] = 0x5a;
    check!(
        a.call::<i32, i32>("load", 100_000).map(|v| v & 0xff) == Ok(0x5a),
        "host write"
    );
    check!(a.memory("counter").is_err(), "not a memory");
    check!(
        a.call::<(), i32>("a_b", ()) == Ok(2) && a.call::<(), i32>("a-b", ()) == Ok(1),
        "names"
    );

    match a.call::<i32, i32>("load", 200_000) {
        Err(Error::Trap { code, message }) => check!(
            code == Some(TrapCode::MemoryOutOfBounds)
                && message.contains("out of bounds memory access"),
            "{message}"
        ),
        other => check!(false, "{other:?}"),
    }
    check!(a.state() == State::Trapped, "trapped");
    check!(
        matches!(bump.call(&mut a, ()), Err(Error::Poisoned(m)) if m.contains("trapped")),
        "poisoned"
    );
    check!(
        a.memory("memory").unwrap()[100_000] == 0x5a && a.global("counter") == Ok(Val::I32(2)),
        "still readable"
    );
    check!(bump.call(&mut b, ()) == Ok(12), "b unaffected");
    check!(
        matches!(
            b.call::<i32, i32>("recurse", 0),
            Err(Error::Trap {
                code: Some(TrapCode::StackOverflow),
                ..
            })
        ),
        "stack exhaustion"
    );
    let mut c = api(module);
    check!(c.call::<i32, ()>("exit", 7) == Err(Error::Exit(7)), "exit");
    check!(c.state() == State::Exited(7), "{:?}", c.state());
    check!(
        matches!(c.call::<(), ()>("nothing", ()), Err(Error::Poisoned(m)) if m.contains("exited with status 7")),
        "exited"
    );
}

fn lifecycle() {
    let (mut reader, writer) = std::io::pipe().unwrap();
    let mut config = Config::new();
    config
        .args(["cmd", "x", "y"])
        .env("A", "1")
        .env("B", "2")
        .env("C", "")
        .stdin(Stdio::Closed)
        .stdout(Stdio::from_fd(&writer).unwrap());
    let mut cmd = Instance::new(wasi_aot_embed::module!(cmd), &config).unwrap();
    drop((config, writer));
    check!(
        matches!(cmd.initialize(), Err(Error::Invalid(m)) if m.contains("command")),
        "initialize a command"
    );
    check!(cmd.start() == Ok(3), "exit status");
    check!(
        matches!(cmd.start(), Err(Error::Invalid(m)) if m.contains("already")),
        "start once"
    );
    drop(cmd);
    let mut out = String::new();
    reader.read_to_string(&mut out).unwrap();
    check!(out == "args=3 env=3\n", "{out:?}");

    let mut config = Config::new();
    config.stdout(Stdio::Closed);
    let mut cmd = Instance::new(wasi_aot_embed::module!(cmd), &config).unwrap();
    check!(
        cmd.start() == Ok(0) && cmd.state() == State::Ready,
        "returned"
    );

    let mut nomem = Instance::new(wasi_aot_embed::module!(nomem), &Config::new()).unwrap();
    check!(
        matches!(nomem.start(), Err(Error::Invalid(m)) if m.contains("`memory`")),
        "nomem"
    );
    let mut badinit = Instance::new(wasi_aot_embed::module!(badinit), &Config::new()).unwrap();
    check!(
        matches!(
            badinit.initialize(),
            Err(Error::Trap {
                code: Some(TrapCode::Unreachable),
                ..
            })
        ),
        "trapping _initialize"
    );
    check!(
        matches!(badinit.call::<(), i32>("get", ()), Err(Error::Poisoned(_))),
        "poisoned"
    );
    let mut plain = Instance::new(wasi_aot_embed::module!(plain), &Config::new()).unwrap();
    check!(
        matches!(plain.start(), Err(Error::Invalid(m)) if m.contains("_start")),
        "no _start"
    );
    check!(
        plain.initialize().is_ok() && plain.call::<(), i32>("get", ()) == Ok(7),
        "plain"
    );
}

fn threads(module: Module) {
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let mut instance = api(module);
            std::thread::spawn(move || {
                instance.initialize().unwrap();
                let bump: TypedFunc<(), i32> = instance.typed_func("bump").unwrap();
                let mut last = 0;
                for _ in 0..10_000 {
                    last = bump.call(&mut instance, ()).unwrap();
                }
                let trap = instance.call::<i32, i32>("load", 1 << 30);
                last == 10_000
                    && matches!(
                        trap,
                        Err(Error::Trap {
                            code: Some(TrapCode::MemoryOutOfBounds),
                            ..
                        })
                    )
            })
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        check!(h.join().unwrap_or(false), "thread {i}");
    }
}

fn main() -> std::process::ExitCode {
    let module = wasi_aot_embed::module!(api);
    module_types(module);
    instantiation(module);
    calls_and_isolation(module);
    lifecycle();
    threads(module);
    let (checks, failures) = (
        CHECKS.load(Ordering::Relaxed),
        FAILURES.load(Ordering::Relaxed),
    );
    println!("embed-api: {checks} checks, {failures} failed");
    if failures == 0 {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
