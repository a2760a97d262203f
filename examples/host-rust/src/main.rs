//! host-rust: a Rust program embedding two wasm modules compiled by `wasi-aot build
//! --lib` (the Rust twin of `examples/host-c`), through the `wasi-aot-embed` crate.
//!
//! - `greet`, a WASI command (`../library/greet.c`): run once with `start()`, with its
//!   arguments, environment, a preopened directory, and its stdout sent into a pipe;
//!   its exit status comes back to the host.
//! - `textstats`, a WASI reactor (`../library/textstats.c`): initialized, then called
//!   many times with text the host writes into its memory; two instances keep
//!   separate state; it calls the host back through the import `host.log`.
//!
//! Usage: `host-rust DATA_DIR`: DATA_DIR holds `names.txt` (`../library` does); it is
//! preopened as `/data`.

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use wasi_aot_embed::{Caller, Config, Error, Instance, State, Stdio, TrapCode, TypedFunc};

type Result<T, E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

/// `host.log` for textstats: prints the guest's text with the label the instance was
/// created with (its host data).
extern "C" fn log(mut caller: Caller<'_>, ptr: i32, len: i32) {
    let (memory, label) = caller.memory_and_data::<String>();
    let label = label.map_or("unlabelled".to_string(), |l| l.clone());
    // Never trust offsets from the guest: out-of-range text is reported, not read.
    let text = (ptr as u32 as usize)
        .checked_add(len as u32 as usize)
        .and_then(|end| memory.get(ptr as u32 as usize..end));
    match text {
        Some(text) => println!("  [{label}] {}", String::from_utf8_lossy(text)),
        None => println!("  [{label}] (bad range)"),
    }
}

fn run_greet(data_dir: &Path) -> Result<()> {
    println!("== greet (a command)");
    let module = wasi_aot_embed::module!(greet);
    let (mut reader, writer) = std::io::pipe()?;
    let mut config = Config::new();
    config
        .args(["greet", "Ada", "--file", "/data/names.txt"])
        .env("GREETING", "Hi")
        .preopen(data_dir, "/data")
        .stdout(Stdio::from_fd(&writer)?);
    let mut greet = Instance::new(module, &config)?;
    drop(config);
    drop(writer);
    let status = greet.start()?;
    println!("greet returned exit status {status}; its stdout:");
    let again = greet.start();
    drop(greet);
    let mut captured = String::new();
    reader.read_to_string(&mut captured)?;
    for line in captured.lines() {
        println!("  | {line}");
    }
    match again {
        Err(e) => println!("starting it again: {e}"),
        Ok(_) => println!("starting it again worked?!"),
    }
    Ok(())
}

/// Copies `text` into a buffer the guest allocates; returns its guest offset.
fn put_text(instance: &mut Instance, text: &str) -> Result<i32> {
    let ptr: i32 = instance.call("alloc", text.len() as i32)?;
    let memory = instance.memory_mut("memory")?;
    let at = ptr as u32 as usize;
    memory
        .get_mut(at..at + text.len())
        .ok_or("the guest's allocation is out of range")?
        .copy_from_slice(text.as_bytes());
    Ok(ptr)
}

fn count(instance: &mut Instance, text: &str) -> Result<i32> {
    let count_words: TypedFunc<(i32, i32), i32> = instance.typed_func("count_words")?;
    let ptr = put_text(instance, text)?;
    let words = count_words.call(instance, (ptr, text.len() as i32))?;
    instance.call::<i32, ()>("dealloc", ptr)?;
    Ok(words)
}

fn run_textstats() -> Result<()> {
    println!("== textstats (a reactor)");
    let module = wasi_aot_embed::module!(textstats);
    let exports: Vec<&str> = module.exports().iter().map(|e| e.name).collect();
    println!("exports: {}", exports.join(" "));
    let mut config = Config::new();
    config.host_func("host", "log", log as extern "C" fn(Caller<'_>, i32, i32));
    let mut a = Instance::with_data(module, &config, "a's log".to_string())?;
    let mut b = Instance::with_data(module, &config, "b's log".to_string())?;
    a.initialize()?;
    b.initialize()?;

    println!("a counts {} words", count(&mut a, "the quick brown fox")?);
    println!("b counts {} words", count(&mut b, "jumps over")?);
    println!("a counts {} words", count(&mut a, "the lazy dog")?);
    let total_a: i64 = a.call("total_words", ())?;
    let total_b: i64 = b.call("total_words", ())?;
    println!("totals: a {total_a}, b {total_b} (separate instances, separate state)");
    a.call::<(), ()>("report", ())?;
    b.call::<(), ()>("report", ())?;

    let text = "shout this";
    let ptr = put_text(&mut a, text)?;
    a.call::<(i32, i32), ()>("shout", (ptr, text.len() as i32))?;
    let average: f64 = a.call("average", (ptr, text.len() as i32))?;
    let at = ptr as usize;
    let shouted = String::from_utf8_lossy(&a.memory("memory")?[at..at + text.len()]).into_owned();
    println!("shouted in a's memory: {shouted:?}, average word length {average:.2}");

    // A trap returns to the host and poisons that instance only.
    let quotient: i32 = a.call("ratio", (84, 2))?;
    println!("ratio(84, 2) = {quotient}");
    match a.call::<(i32, i32), i32>("ratio", (1, 0)) {
        Err(Error::Trap { code, message }) => {
            assert_eq!(code, Some(TrapCode::IntegerDivideByZero));
            println!("ratio(1, 0): trap {code:?}: {message}");
        }
        other => return Err(format!("expected a trap, got {other:?}").into()),
    }
    match a.call::<(), i64>("total_words", ()) {
        Err(e @ Error::Poisoned(_)) => println!("a afterwards: {e}"),
        other => return Err(format!("expected a poisoned instance, got {other:?}").into()),
    }
    let memory = a.memory("memory")?;
    println!(
        "a's state is {:?}, its memory still reads {:?}",
        a.state(),
        String::from_utf8_lossy(&memory[at..at + 5])
    );

    // proc_exit returns to the host too (return-on-exit is the default).
    match b.call::<i32, ()>("quit", 3) {
        Err(Error::Exit(status)) => {
            println!("quit(3): exit status {status}, state {:?}", b.state())
        }
        other => return Err(format!("expected an exit, got {other:?}").into()),
    }
    assert_eq!(b.state(), State::Exited(3));
    println!(
        "b's label is still {:?}",
        b.data::<String>().map(String::as_str)
    );
    Ok(())
}

fn main() -> ExitCode {
    let Some(data_dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: host-rust DATA_DIR");
        return ExitCode::from(2);
    };
    let result = run_greet(Path::new(&data_dir)).and_then(|()| run_textstats());
    match result {
        Ok(()) => {
            println!("the host is still running");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("host-rust: {e}");
            ExitCode::FAILURE
        }
    }
}
