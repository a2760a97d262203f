//! Trap kinds: one enum shared by the compiler (which records them per trapping
//! instruction) and the runtime (which prints their messages).

/// A WebAssembly trap reason. The discriminant is what trap tables store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Trap {
    /// Native stack use went beyond the wasm stack limit.
    StackOverflow = 1,
    /// A load, store or bulk memory operation went out of bounds.
    MemoryOutOfBounds = 2,
    /// `table.get/set/fill/copy/init` went out of bounds.
    TableOutOfBounds = 3,
    /// `call_indirect` with an index beyond the table size.
    UndefinedElement = 4,
    /// `call_indirect` through a null entry.
    UninitializedElement = 5,
    /// `call_indirect` to a function of another type.
    IndirectCallTypeMismatch = 6,
    /// Signed division overflow or a float-to-int conversion out of range.
    IntegerOverflow = 7,
    /// Integer division or remainder by zero.
    IntegerDivideByZero = 8,
    /// Float-to-int conversion of a NaN.
    InvalidConversionToInteger = 9,
    /// The `unreachable` instruction.
    Unreachable = 10,
    /// A call to an import that was not resolved at build time (`--unknown-imports trap`).
    UnresolvedImport = 11,
    /// A null reference was dereferenced.
    NullReference = 12,
    /// An active data or element segment did not fit while instantiating.
    OutOfBoundsSegment = 13,
}

impl Trap {
    /// Every trap kind, in discriminant order.
    pub const ALL: [Trap; 13] = [
        Trap::StackOverflow,
        Trap::MemoryOutOfBounds,
        Trap::TableOutOfBounds,
        Trap::UndefinedElement,
        Trap::UninitializedElement,
        Trap::IndirectCallTypeMismatch,
        Trap::IntegerOverflow,
        Trap::IntegerDivideByZero,
        Trap::InvalidConversionToInteger,
        Trap::Unreachable,
        Trap::UnresolvedImport,
        Trap::NullReference,
        Trap::OutOfBoundsSegment,
    ];

    /// Decodes a trap-table byte.
    pub fn from_u8(code: u8) -> Option<Trap> {
        Self::ALL.get(usize::from(code).checked_sub(1)?).copied()
    }

    /// The message the spec testsuite expects (and users see).
    pub fn message(self) -> &'static str {
        match self {
            Trap::StackOverflow => "call stack exhausted",
            Trap::MemoryOutOfBounds => "out of bounds memory access",
            Trap::TableOutOfBounds => "out of bounds table access",
            Trap::UndefinedElement => "undefined element",
            Trap::UninitializedElement => "uninitialized element",
            Trap::IndirectCallTypeMismatch => "indirect call type mismatch",
            Trap::IntegerOverflow => "integer overflow",
            Trap::IntegerDivideByZero => "integer divide by zero",
            Trap::InvalidConversionToInteger => "invalid conversion to integer",
            Trap::Unreachable => "unreachable",
            Trap::UnresolvedImport => "call to an unresolved import",
            Trap::NullReference => "null reference",
            Trap::OutOfBoundsSegment => "out of bounds memory access",
        }
    }
}

/// Exit status of an executable that stopped on a trap (as wasmtime's `abort`).
pub const TRAP_EXIT_STATUS: i32 = 134;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for trap in Trap::ALL {
            assert_eq!(Trap::from_u8(trap as u8), Some(trap));
        }
        assert_eq!(Trap::from_u8(0), None);
        assert_eq!(Trap::from_u8(Trap::ALL.len() as u8 + 1), None);
    }
}
