//! Code placement: keeping each function's small innermost loops inside one 64-byte line.
//!
//! The same loop bytes run at very different speeds depending on where they sit: on the
//! AMD Zen machine the benchmarks run on, shootout-sieve's inner loop takes 0.27 s when it
//! spans two 64-byte lines and 0.17-0.22 s when it sits inside one (`bench/placement/`
//! times it at every offset). The processor fetches and caches decoded instructions per
//! 64-byte line, so a loop that crosses a line needs two line lookups per iteration.
//! Every function's bytes start a line (see `compile.rs`), so where its loops fall
//! depends only on its own code: after code generation, [`entry_padding`] finds the
//! innermost loops from the block layout and picks how many bytes of padding before the
//! function's first instruction put the most of those that fit in a line inside one. The
//! padding is [`filler_bytes`] placed before the function's symbol, so it is never
//! executed.

/// The cache-line size that loops are kept within.
pub(crate) const LINE: u32 = 64;

/// Bytes of padding to put before a function whose code is `code_len` bytes long, with
/// basic blocks starting at `bb_starts` (ascending code offsets), control-flow edges
/// `bb_edges` between block starts and calls returning to `call_returns` (ascending),
/// so that as many of its innermost loops as can fit in one [`LINE`] do not cross a
/// line boundary. 0 when no padding does better than none (the smallest padding among
/// equally good ones otherwise).
///
/// Loops that make a call do not count: the call and its callee cost far more than a
/// second line lookup, and padding for them only spreads the function over one more
/// line (shootout-ackermann's one loop calls the function itself: padded, the function
/// took three lines instead of two and ran 7-11% slower than wasmtime's unpadded copy).
pub(crate) fn entry_padding(
    bb_starts: &[u32],
    bb_edges: &[(u32, u32)],
    call_returns: &[u32],
    code_len: u32,
) -> u32 {
    let calls_in = |&(start, end): &(u32, u32)| {
        let first = call_returns.partition_point(|&r| r <= start);
        call_returns.get(first).is_some_and(|&r| r <= end)
    };
    let loops: Vec<(u32, u32)> = small_innermost_loops(bb_starts, bb_edges, code_len)
        .into_iter()
        .filter(|range| !calls_in(range))
        .collect();
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

/// `len` bytes of filler to put before a function's first instruction: `int3`, which
/// traps if anything ever jumps into it. The function's symbol is placed after the
/// filler, so calls never execute it (an executed `nop` or `jmp` would cost every call:
/// shootout-ackermann, deep recursion through one small function, paid a `jmp` per call).
pub(crate) fn filler_bytes(len: u32) -> Vec<u8> {
    vec![0xcc; len as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loop_that_crosses_a_line_is_moved_inside_the_next_one() {
        // Blocks at 0, 40 (the loop: 40..70, jumping back from 60 to 40), 70.
        let starts = [0, 40, 60, 70];
        let edges = [(0, 40), (40, 60), (60, 40), (60, 70)];
        let pad = entry_padding(&starts, &edges, &[], 80);
        assert_eq!(pad, 24, "the smallest padding that puts 40..70 at 64..94");
        assert_eq!((40 + pad) / LINE, (69 + pad) / LINE);
    }

    #[test]
    fn functions_whose_loops_already_fit_are_not_padded() {
        let starts = [0, 8, 30];
        assert_eq!(
            entry_padding(&starts, &[(0, 8), (8, 8), (8, 30)], &[], 40),
            0
        );
        assert_eq!(entry_padding(&[0, 10], &[(0, 10)], &[], 200), 0, "no loop");
    }

    #[test]
    fn loops_longer_than_a_line_and_outer_loops_do_not_count() {
        // An outer loop 10..150 holding an inner loop 100..120 (which fits at offset
        // 100), and a 70-byte loop 200..270 that fits no line.
        let starts = [0, 10, 100, 120, 150, 200, 260, 270];
        let edges = [(120, 10), (100, 100), (260, 200)];
        assert_eq!(entry_padding(&starts, &edges, &[], 280), 0);
        assert_eq!(
            small_innermost_loops(&starts, &edges, 280),
            vec![(100, 120)]
        );
    }

    #[test]
    fn loops_that_call_are_not_padded_for() {
        // The loop of the first test, with a call returning inside it (at 55), or
        // after it (at 75, in the block after the loop).
        let starts = [0, 40, 60, 70];
        let edges = [(0, 40), (40, 60), (60, 40), (60, 70)];
        assert_eq!(entry_padding(&starts, &edges, &[55], 80), 0);
        assert_eq!(entry_padding(&starts, &edges, &[10, 75], 80), 24);
    }

    #[test]
    fn several_back_edges_to_one_header_make_one_loop() {
        let starts = [0, 50, 60, 70];
        let edges = [(60, 50), (70, 50)];
        assert_eq!(small_innermost_loops(&starts, &edges, 90), vec![(50, 90)]);
    }

    #[test]
    fn filler_traps_if_run() {
        assert_eq!(filler_bytes(3), [0xcc; 3]);
        assert!(filler_bytes(0).is_empty());
    }
}
