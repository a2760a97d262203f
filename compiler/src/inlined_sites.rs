//! Where instructions of an inlined callee came from, for exact trap reports.
//!
//! An instruction the translator copies from a callee into its caller
//! (`translate::wide_multiply`'s `__multi3` stores) carries a source location past every
//! real wasm offset, which indexes this function's [`InlinedSites`]. Its trap record then
//! names the callee and the instruction's offset in the callee's body, and the call it
//! was inlined at, so a trap there is reported with the callee's frame as if the call
//! had been made.

use cranelift_codegen::ir::SourceLoc;
use wasi_aot_abi::descriptor::NOT_INLINED;

use crate::module_env::ModuleEnv;

/// One inlined instruction's origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InlinedSite {
    /// The callee's defined-function index.
    pub callee: u32,
    /// The instruction's wasm offset, in the callee's body.
    pub wasm_offset: u32,
    /// The wasm offset of the call it replaces, in the caller's body.
    pub call_offset: u32,
}

/// The inlined instructions of one function, by the source location each carries.
#[derive(Debug, Default)]
pub struct InlinedSites {
    /// The first such source location: the end of the last function body.
    base: u32,
    sites: Vec<InlinedSite>,
}

impl InlinedSites {
    /// An empty table for a function of the module `env`.
    pub fn new(env: &ModuleEnv<'_>) -> InlinedSites {
        InlinedSites {
            base: env.bodies.last().map_or(0, |b| b.range().end as u32),
            sites: Vec::new(),
        }
    }

    /// The source location for an instruction from `site`, or `None` if locations
    /// have run out (a module close to 4 GiB).
    pub fn location(&mut self, site: InlinedSite) -> Option<SourceLoc> {
        let bits = self
            .base
            .checked_add(u32::try_from(self.sites.len()).ok()?)?;
        // All ones is `SourceLoc::default()`, "no location".
        if bits == u32::MAX {
            return None;
        }
        self.sites.push(site);
        Some(SourceLoc::new(bits))
    }

    /// The origin of the instruction with source location `bits`, if it was inlined.
    pub fn site(&self, bits: u32) -> Option<&InlinedSite> {
        self.sites.get(bits.checked_sub(self.base)? as usize)
    }

    /// `(inlined_callee, wasm_offset, call_offset)` for a trap record of the
    /// instruction at source location `bits`.
    pub fn trap_origin(&self, bits: u32) -> (u32, u32, u32) {
        match self.site(bits) {
            Some(site) => (site.callee, site.wasm_offset, site.call_offset),
            None => (NOT_INLINED, bits, 0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_past_the_bodies_map_back_to_their_sites() {
        let mut sites = InlinedSites {
            base: 0x100,
            sites: Vec::new(),
        };
        let a = InlinedSite {
            callee: 3,
            wasm_offset: 0x97,
            call_offset: 0xbd,
        };
        let b = InlinedSite {
            wasm_offset: 0x9c,
            ..a
        };
        assert_eq!(sites.location(a), Some(SourceLoc::new(0x100)));
        assert_eq!(sites.location(b), Some(SourceLoc::new(0x101)));
        assert_eq!(sites.trap_origin(0x101), (3, 0x9c, 0xbd));
        assert_eq!(sites.trap_origin(0xff), (NOT_INLINED, 0xff, 0));
        assert_eq!(sites.site(0x102), None);
    }

    #[test]
    fn locations_run_out_before_the_no_location_value() {
        let mut sites = InlinedSites {
            base: u32::MAX - 1,
            sites: Vec::new(),
        };
        let site = InlinedSite {
            callee: 0,
            wasm_offset: 0,
            call_offset: 0,
        };
        assert_eq!(sites.location(site), Some(SourceLoc::new(u32::MAX - 1)));
        assert_eq!(sites.location(site), None);
    }
}
