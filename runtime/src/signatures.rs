//! Canonical signature ids: equal function types get equal ids across all modules of
//! the process, so `call_indirect` can compare one word.

use std::collections::HashMap;
use std::sync::Mutex;

use wasi_aot_abi::descriptor::ModuleDescriptor;

/// A function type as its parameter and result type codes.
type TypeKey = (Vec<u8>, Vec<u8>);

static IDS: Mutex<Option<HashMap<TypeKey, u64>>> = Mutex::new(None);

/// The canonical id of `descriptor`'s type `type_index`.
pub fn canonical_id(descriptor: &ModuleDescriptor, type_index: u32) -> u64 {
    // SAFETY: descriptor arrays live as long as the descriptor.
    let key = unsafe {
        let ty = &descriptor.types.as_slice()[type_index as usize];
        (
            ty.params.as_slice().to_vec(),
            ty.results.as_slice().to_vec(),
        )
    };
    let mut ids = IDS.lock().unwrap_or_else(|e| e.into_inner());
    let ids = ids.get_or_insert_with(HashMap::new);
    let next = ids.len() as u64 + 1;
    *ids.entry(key).or_insert(next)
}
