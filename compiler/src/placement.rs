//! Code placement: keeping each function's small innermost loops inside one 64-byte line.
//!
//! The same loop bytes run at very different speeds depending on where they sit: on the
//! AMD Zen machine the benchmarks run on, shootout-sieve's inner loop takes 0.27 s when it
//! spans two 64-byte lines and 0.17-0.22 s when it sits inside one (`bench/placement/`
//! times it at every offset). The processor fetches and caches decoded instructions per
//! 64-byte line, so a loop that crosses a line needs two line lookups per iteration.
//! Every function starts a line (see `compile.rs`), so where its loops fall depends only
//! on its own code: after code generation, [`entry_padding`] finds the innermost loops
//! from the block layout and picks how many bytes of padding before the function's
//! first instruction put the most of those that fit in a line inside one, and
//! [`padding_bytes`] fills them with one instruction that does nothing (a multi-byte
//! `nop`, or a short jump over the filler).

/// The cache-line size that loops are kept within.
pub(crate) const LINE: u32 = 64;

/// Bytes of padding to put before a function whose code is `code_len` bytes long, with
/// basic blocks starting at `bb_starts` (ascending code offsets) and control-flow edges
/// `bb_edges` between block starts, so that as many of its innermost loops as can fit
/// in one [`LINE`] do not cross a line boundary. 0 when no padding does better than none
/// (the smallest padding among equally good ones otherwise).
pub(crate) fn entry_padding(bb_starts: &[u32], bb_edges: &[(u32, u32)], code_len: u32) -> u32 {
    let loops = small_innermost_loops(bb_starts, bb_edges, code_len);
    if loops.is_empty() {
        return 0;
    }
    let crossings = |pad: u32| {
        loops
            .iter()
            .filter(|&&(start, end)| (start + pad) / LINE != (end - 1 + pad) / LINE)
            .count()
    };
    // `min_by_key` keeps the first minimum: the smallest padding, 0 on a tie with none.
    (0..LINE).min_by_key(|&pad| crossings(pad)).unwrap_or(0)
}

/// The code ranges `[start, end)` of the innermost loops at most [`LINE`] bytes long.
///
/// A loop is a backward edge: a block jumping to a block at or before its own start (its
/// header). Its code runs from the header to the end of the jumping block; several
/// backward edges to one header make one loop that ends at the last of them. Cranelift
/// lays out a loop's blocks contiguously after its header, so a loop whose range holds
/// another loop's range is an outer loop, and is left out.
fn small_innermost_loops(
    bb_starts: &[u32],
    bb_edges: &[(u32, u32)],
    code_len: u32,
) -> Vec<(u32, u32)> {
    let block_end = |start: u32| {
        let next = bb_starts.partition_point(|&s| s <= start);
        bb_starts.get(next).copied().unwrap_or(code_len)
    };
    let mut loops: Vec<(u32, u32)> = Vec::new();
    for &(from, to) in bb_edges {
        if to > from {
            continue;
        }
        let end = block_end(from);
        match loops.iter_mut().find(|(header, _)| *header == to) {
            Some(existing) => existing.1 = existing.1.max(end),
            None => loops.push((to, end)),
        }
    }
    let holds_another = |&(start, end): &(u32, u32)| {
        loops
            .iter()
            .any(|&(s, e)| (s, e) != (start, end) && start <= s && e <= end)
    };
    loops
        .iter()
        .copied()
        .filter(|range| range.1 - range.0 <= LINE && !holds_another(range))
        .collect()
}

/// The longest multi-byte `nop` used as padding; longer padding jumps over its filler.
const LONGEST_NOP: usize = 11;

/// `len` bytes of x86-64 code that fall through to the byte after them doing nothing, as
/// one instruction: the recommended `nop` encoding of that length (Intel SDM vol. 2B,
/// "NOP"; AMD's guide uses the same ones), or for more than [`LONGEST_NOP`] bytes a
/// short `jmp` over `int3` filler, which is never executed.
pub(crate) fn padding_bytes(len: u32) -> Vec<u8> {
    const NOPS: [&[u8]; LONGEST_NOP + 1] = [
        &[],
        &[0x90],
        &[0x66, 0x90],
        &[0x0f, 0x1f, 0x00],
        &[0x0f, 0x1f, 0x40, 0x00],
        &[0x0f, 0x1f, 0x44, 0x00, 0x00],
        &[0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00],
        &[0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00],
        &[0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
        &[0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
        &[0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
        &[
            0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00,
        ],
    ];
    let len = len as usize;
    if let Some(nop) = NOPS.get(len) {
        return nop.to_vec();
    }
    let skipped = u8::try_from(len - 2).expect("padding is less than a line");
    let mut bytes = vec![0xeb, skipped];
    bytes.resize(len, 0xcc);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loop_that_crosses_a_line_is_moved_inside_the_next_one() {
        // Blocks at 0, 40 (the loop: 40..70, jumping back from 60 to 40), 70.
        let starts = [0, 40, 60, 70];
        let edges = [(0, 40), (40, 60), (60, 40), (60, 70)];
        let pad = entry_padding(&starts, &edges, 80);
        assert_eq!(pad, 24, "the smallest padding that puts 40..70 at 64..94");
        assert_eq!((40 + pad) / LINE, (69 + pad) / LINE);
    }

    #[test]
    fn functions_whose_loops_already_fit_are_not_padded() {
        let starts = [0, 8, 30];
        assert_eq!(entry_padding(&starts, &[(0, 8), (8, 8), (8, 30)], 40), 0);
        assert_eq!(entry_padding(&[0, 10], &[(0, 10)], 200), 0, "no loop");
    }

    #[test]
    fn loops_longer_than_a_line_and_outer_loops_do_not_count() {
        // An outer loop 10..150 holding an inner loop 100..120 (which fits at offset
        // 100), and a 70-byte loop 200..270 that fits no line.
        let starts = [0, 10, 100, 120, 150, 200, 260, 270];
        let edges = [(120, 10), (100, 100), (260, 200)];
        assert_eq!(entry_padding(&starts, &edges, 280), 0);
        assert_eq!(
            small_innermost_loops(&starts, &edges, 280),
            vec![(100, 120)]
        );
    }

    #[test]
    fn several_back_edges_to_one_header_make_one_loop() {
        let starts = [0, 50, 60, 70];
        let edges = [(60, 50), (70, 50)];
        assert_eq!(small_innermost_loops(&starts, &edges, 90), vec![(50, 90)]);
    }

    #[test]
    fn padding_is_one_instruction_of_the_requested_length() {
        for len in 0..LINE {
            let bytes = padding_bytes(len);
            assert_eq!(bytes.len(), len as usize);
            if len as usize > LONGEST_NOP {
                assert_eq!(bytes[..2], [0xeb, len as u8 - 2], "jmp rel8 to the end");
                assert!(bytes[2..].iter().all(|&b| b == 0xcc));
            }
        }
        assert_eq!(padding_bytes(5), [0x0f, 0x1f, 0x44, 0x00, 0x00]);
    }
}
