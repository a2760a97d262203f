//! Errors of embedding calls.

use std::fmt;

use wasi_aot_runtime::embed::{self, Status};

use crate::TrapCode;

/// Why an embedding call failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// A host function is missing or has the wrong type (instantiation).
    Link(String),
    /// Wasm code trapped; the instance is poisoned.
    Trap {
        /// Why.
        code: Option<TrapCode>,
        /// The message, with the wasm function and offset when known.
        message: String,
    },
    /// The guest called `proc_exit` with this status (return-on-exit mode); the
    /// instance is poisoned.
    Exit(i32),
    /// The instance trapped or exited earlier; nothing ran.
    Poisoned(String),
    /// A bad argument: no such export, wrong types, a bad configuration, a preopened
    /// directory that cannot be opened, `start` on a reactor, ...
    Invalid(String),
}

/// The result of an embedding call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The error the runtime reported with `status` (not `Ok`) on this thread.
    pub(crate) fn from_status(status: Status) -> Error {
        let message = embed::last_error();
        match status {
            Status::Link => Error::Link(message),
            Status::Trap => Error::Trap {
                code: TrapCode::from_u8(embed::wasi_aot_last_trap() as u8),
                message,
            },
            Status::Exit => Error::Exit(embed::wasi_aot_last_exit_status()),
            Status::Poisoned => Error::Poisoned(message),
            Status::Ok | Status::Error => Error::Invalid(message),
        }
    }

    /// `Ok(())` for `Status::Ok`, else the error.
    pub(crate) fn check(status: Status) -> Result<()> {
        match status {
            Status::Ok => Ok(()),
            other => Err(Error::from_status(other)),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Link(m) | Error::Poisoned(m) | Error::Invalid(m) => f.write_str(m),
            Error::Trap { message, .. } => f.write_str(message),
            Error::Exit(code) => write!(f, "the guest exited with status {code}"),
        }
    }
}

impl std::error::Error for Error {}
