//! Errors the compiler reports.

/// Why a module could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// The text format did not parse.
    #[error("{0}")]
    Wat(String),
    /// The module is malformed or fails validation.
    #[error("invalid module at byte offset {offset:#x}: {message}")]
    Invalid {
        /// What is wrong.
        message: String,
        /// Byte offset in the binary module.
        offset: u64,
    },
    /// The module uses something this compiler does not support.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The module exceeds one of the compiler's documented limits.
    #[error("limit exceeded: {0}")]
    Limit(String),
    /// Cranelift failed (a compiler bug).
    #[error("code generation failed in {function}: {message}")]
    Codegen {
        /// The function being compiled.
        function: String,
        /// Cranelift's message.
        message: String,
    },
    /// Writing the object failed.
    #[error("writing the object failed: {0}")]
    Object(String),
}
