//! The x86_64 CPU features generated code may use, and the levels `--target-cpu` names.
//!
//! The compiler turns a feature set into Cranelift flags and records it in the module
//! descriptor ([`crate::descriptor::ModuleDescriptor::cpu_features`]); the runtime checks
//! that this CPU has every recorded feature before instantiating, so an executable
//! built for a newer CPU stops with a message instead of dying of SIGILL at the first
//! such instruction.

/// A set of CPU features, one bit per entry of [`FEATURES`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CpuFeatures(pub u64);

/// One feature generated code may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Feature {
    /// Its bit.
    pub bit: CpuFeatures,
    /// Its name, as `is_x86_feature_detected!` (and error messages) spell it.
    pub name: &'static str,
    /// The Cranelift x64 setting that lets code use it.
    pub cranelift_flag: &'static str,
}

/// Defines one constant per feature, [`FEATURES`] and [`detect`] from one list, so a
/// feature cannot be named in one and forgotten in another. The bit numbers are stored
/// in descriptors: never renumber, only add. Names are `tt`, not `literal`, because
/// `is_x86_feature_detected!` matches the name's token itself.
macro_rules! features {
    ($($(#[$doc:meta])* $konst:ident = $bit:literal, $name:tt, $flag:literal;)*) => {
        impl CpuFeatures {
            $($(#[$doc])* pub const $konst: CpuFeatures = CpuFeatures(1 << $bit);)*
        }

        /// Every feature, in bit order.
        pub const FEATURES: &[Feature] = &[
            $(Feature { bit: CpuFeatures::$konst, name: $name, cranelift_flag: $flag },)*
        ];

        /// The features of the CPU this runs on.
        pub fn detect() -> CpuFeatures {
            let mut present = CpuFeatures::NONE;
            $(
                if std::arch::is_x86_feature_detected!($name) {
                    present = present.union(CpuFeatures::$konst);
                }
            )*
            present
        }
    };
}

features! {
    /// SSE3.
    SSE3 = 0, "sse3", "has_sse3";
    /// Supplemental SSE3.
    SSSE3 = 1, "ssse3", "has_ssse3";
    /// SSE4.1 (float rounding without libcalls, many SIMD operations).
    SSE41 = 2, "sse4.1", "has_sse41";
    /// SSE4.2.
    SSE42 = 3, "sse4.2", "has_sse42";
    /// POPCNT.
    POPCNT = 4, "popcnt", "has_popcnt";
    /// CMPXCHG16B.
    CMPXCHG16B = 5, "cmpxchg16b", "has_cmpxchg16b";
    /// AVX (VEX three-operand encodings).
    AVX = 6, "avx", "has_avx";
    /// AVX2.
    AVX2 = 7, "avx2", "has_avx2";
    /// BMI1 (`andn`, `tzcnt`, ...).
    BMI1 = 8, "bmi1", "has_bmi1";
    /// BMI2 (`rorx`, `shlx`, ...).
    BMI2 = 9, "bmi2", "has_bmi2";
    /// LZCNT.
    LZCNT = 10, "lzcnt", "has_lzcnt";
    /// Fused multiply-add.
    FMA = 11, "fma", "has_fma";
    /// AVX-512 Foundation.
    AVX512F = 12, "avx512f", "has_avx512f";
    /// AVX-512 vector-length extensions.
    AVX512VL = 13, "avx512vl", "has_avx512vl";
    /// AVX-512 doubleword and quadword instructions.
    AVX512DQ = 14, "avx512dq", "has_avx512dq";
    /// AVX-512 vector byte manipulation instructions.
    AVX512VBMI = 15, "avx512vbmi", "has_avx512vbmi";
    /// AVX-512 bit algorithms.
    AVX512BITALG = 16, "avx512bitalg", "has_avx512bitalg";
}

impl CpuFeatures {
    /// No features.
    pub const NONE: CpuFeatures = CpuFeatures(0);

    /// The features in `self` or `other`.
    pub const fn union(self, other: CpuFeatures) -> CpuFeatures {
        CpuFeatures(self.0 | other.0)
    }

    /// The features in `self` but not in `other`.
    pub const fn minus(self, other: CpuFeatures) -> CpuFeatures {
        CpuFeatures(self.0 & !other.0)
    }

    /// Whether every feature of `other` is in `self`.
    pub const fn contains(self, other: CpuFeatures) -> bool {
        other.0 & !self.0 == 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The features of the set, in bit order (bits no feature has are left out).
    pub fn features(self) -> impl Iterator<Item = &'static Feature> {
        FEATURES.iter().filter(move |f| self.contains(f.bit))
    }
}

/// The names, comma-separated: `avx2, bmi2`.
impl std::fmt::Display for CpuFeatures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, feature) in self.features().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(feature.name)?;
        }
        Ok(())
    }
}

/// A named level of the x86-64 psABI, as far as generated code can use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CpuLevel {
    /// `x86-64-v2`: SSE4.2 and POPCNT (Intel Nehalem, 2008, AMD Bulldozer, 2011, and
    /// later): every x86_64 Linux machine of the last dozen years.
    X86_64V2,
    /// `x86-64-v3`: v2 plus AVX, AVX2, BMI1, BMI2, LZCNT and FMA (Intel Haswell, 2013,
    /// AMD Excavator, 2015, Zen, and later).
    X86_64V3,
}

impl CpuLevel {
    /// The levels, oldest first.
    pub const ALL: [CpuLevel; 2] = [CpuLevel::X86_64V2, CpuLevel::X86_64V3];

    /// Its name, as `--target-cpu` takes it.
    pub const fn name(self) -> &'static str {
        match self {
            CpuLevel::X86_64V2 => "x86-64-v2",
            CpuLevel::X86_64V3 => "x86-64-v3",
        }
    }

    /// The features code built for this level may use.
    pub const fn features(self) -> CpuFeatures {
        const V2: CpuFeatures = CpuFeatures::SSE3
            .union(CpuFeatures::SSSE3)
            .union(CpuFeatures::SSE41)
            .union(CpuFeatures::SSE42)
            .union(CpuFeatures::POPCNT)
            .union(CpuFeatures::CMPXCHG16B);
        const V3: CpuFeatures = V2
            .union(CpuFeatures::AVX)
            .union(CpuFeatures::AVX2)
            .union(CpuFeatures::BMI1)
            .union(CpuFeatures::BMI2)
            .union(CpuFeatures::LZCNT)
            .union(CpuFeatures::FMA);
        match self {
            CpuLevel::X86_64V2 => V2,
            CpuLevel::X86_64V3 => V3,
        }
    }

    /// The level whose features are exactly `features`, if any.
    pub fn exactly(features: CpuFeatures) -> Option<CpuLevel> {
        CpuLevel::ALL
            .into_iter()
            .find(|level| level.features() == features)
    }

    /// The newest level a CPU with `features` can run, if any.
    pub fn newest_within(features: CpuFeatures) -> Option<CpuLevel> {
        CpuLevel::ALL
            .into_iter()
            .rev()
            .find(|level| features.contains(level.features()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(features: CpuFeatures) -> String {
        features.to_string()
    }

    #[test]
    fn levels_map_to_their_features() {
        assert_eq!(
            names(CpuLevel::X86_64V2.features()),
            "sse3, ssse3, sse4.1, sse4.2, popcnt, cmpxchg16b"
        );
        assert_eq!(
            names(
                CpuLevel::X86_64V3
                    .features()
                    .minus(CpuLevel::X86_64V2.features())
            ),
            "avx, avx2, bmi1, bmi2, lzcnt, fma"
        );
        assert!(CpuLevel::X86_64V3
            .features()
            .contains(CpuLevel::X86_64V2.features()));
        for level in CpuLevel::ALL {
            assert_eq!(CpuLevel::exactly(level.features()), Some(level));
            assert_eq!(CpuLevel::newest_within(level.features()), Some(level));
        }
        let v3_with_avx512 = CpuLevel::X86_64V3.features().union(CpuFeatures::AVX512F);
        assert_eq!(CpuLevel::exactly(v3_with_avx512), None);
        assert_eq!(
            CpuLevel::newest_within(v3_with_avx512),
            Some(CpuLevel::X86_64V3)
        );
        let v3_without_fma = CpuLevel::X86_64V3.features().minus(CpuFeatures::FMA);
        assert_eq!(
            CpuLevel::newest_within(v3_without_fma),
            Some(CpuLevel::X86_64V2)
        );
        assert_eq!(CpuLevel::newest_within(CpuFeatures::SSE3), None);
        assert_eq!(CpuLevel::X86_64V2.name(), "x86-64-v2");
        assert_eq!(CpuLevel::X86_64V3.name(), "x86-64-v3");
    }

    #[test]
    fn features_have_distinct_bits_in_order() {
        for (i, feature) in FEATURES.iter().enumerate() {
            assert_eq!(feature.bit, CpuFeatures(1 << i), "{}", feature.name);
            assert_eq!(
                feature.cranelift_flag,
                format!("has_{}", feature.name.replace('.', "")),
            );
        }
        assert_eq!(
            CpuFeatures(u64::MAX).features().count(),
            FEATURES.len(),
            "unknown bits are not features"
        );
    }

    #[test]
    fn set_operations() {
        let a = CpuFeatures::AVX2.union(CpuFeatures::BMI2);
        assert!(a.contains(CpuFeatures::AVX2));
        assert!(!a.contains(CpuFeatures::FMA));
        assert!(a.contains(CpuFeatures::NONE));
        assert_eq!(a.minus(CpuFeatures::AVX2), CpuFeatures::BMI2);
        assert!(a.minus(a).is_empty());
        assert_eq!(a.to_string(), "avx2, bmi2");
        assert_eq!(CpuFeatures::NONE.to_string(), "");
    }

    #[test]
    fn this_cpu_has_at_least_x86_64_v2() {
        // The oldest level wasi-aot compiles for, so the suite's own executables run.
        assert!(detect().contains(CpuLevel::X86_64V2.features()));
    }
}
