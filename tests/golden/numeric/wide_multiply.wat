;; 128-bit multiplication as compiler-rt's `__multi3` computes it from 32-bit halves,
;; in the operand orders of two clang versions (the Sightglass ed25519 build and Debian's
;; clang 14), which wasi-aot recognizes and compiles to one 64x64->128 multiply; the
;; same body with its halves stored at other offsets (also recognized); and a near miss
;; with one unsigned shift made signed, which is compiled as written. Each prints the
;; high and low halves of the product for the same operands.
(module
  ;; ---- printing helpers (the same in every golden module that prints values) ----
  ;; Memory: 0 iovec, 8 nwritten, 16..47 digit buffer, 48 hex digits, 64 ": 0x",
  ;; 68 "\n", labels from 0x100 in 32-byte slots (NUL-terminated).
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 48) "0123456789abcdef: 0x\n")
  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func $puts (param $ptr i32)
    (local $end i32)
    (local.set $end (local.get $ptr))
    (block $done
      (loop $scan
        (br_if $done (i32.eqz (i32.load8_u (local.get $end))))
        (local.set $end (i32.add (local.get $end) (i32.const 1)))
        (br $scan)))
    (call $print (local.get $ptr) (i32.sub (local.get $end) (local.get $ptr))))
  ;; prints `$digits` hex digits of `$v`
  (func $hex (param $v i64) (param $digits i32)
    (local $i i32)
    (local.set $i (local.get $digits))
    (loop $next
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (i32.store8 offset=16 (local.get $i)
        (i32.load8_u offset=48 (i32.wrap_i64 (i64.and (local.get $v) (i64.const 15)))))
      (local.set $v (i64.shr_u (local.get $v) (i64.const 4)))
      (br_if $next (local.get $i)))
    (call $print (i32.const 16) (local.get $digits)))
  ;; prints "LABEL: 0xXXXXXXXX\n"
  (func $check32 (param $label i32) (param $v i32)
    (call $puts (local.get $label))
    (call $print (i32.const 64) (i32.const 4))
    (call $hex (i64.extend_i32_u (local.get $v)) (i32.const 8))
    (call $print (i32.const 68) (i32.const 1)))
  ;; prints "LABEL: 0xXXXXXXXXXXXXXXXX\n"
  (func $check64 (param $label i32) (param $v i64)
    (call $puts (local.get $label))
    (call $print (i32.const 64) (i32.const 4))
    (call $hex (local.get $v) (i32.const 16))
    (call $print (i32.const 68) (i32.const 1)))
  ;; identity functions that keep operands out of the constant folder
  (func $i32 (param i32) (result i32) (local.get 0))
  (func $i64 (param i64) (result i64) (local.get 0))
  (func $f32 (param f32) (result f32) (local.get 0))
  (func $f64 (param f64) (result f64) (local.get 0))
  ;; ---- end of printing helpers ----
  (func $multi3_sightglass (param i32 i64 i64 i64 i64)
    (local i64)
    local.get 0
    local.get 4
    local.get 1
    i64.mul
    local.get 2
    local.get 3
    i64.mul
    i64.add
    local.get 3
    i64.const 32
    i64.shr_u
    local.tee 2
    local.get 1
    i64.const 32
    i64.shr_u
    local.tee 4
    i64.mul
    i64.add
    local.get 3
    i64.const 4294967295
    i64.and
    local.tee 3
    local.get 1
    i64.const 4294967295
    i64.and
    local.tee 1
    i64.mul
    local.tee 5
    i64.const 32
    i64.shr_u
    local.get 3
    local.get 4
    i64.mul
    i64.add
    local.tee 3
    i64.const 32
    i64.shr_u
    i64.add
    local.get 3
    i64.const 4294967295
    i64.and
    local.get 2
    local.get 1
    i64.mul
    i64.add
    local.tee 1
    i64.const 32
    i64.shr_u
    i64.add
    i64.store offset=8
    local.get 0
    local.get 1
    i64.const 32
    i64.shl
    local.get 5
    i64.const 4294967295
    i64.and
    i64.or
    i64.store)
  (func $multi3_clang14 (param i32 i64 i64 i64 i64)
    (local i64)
    local.get 0
    local.get 1
    local.get 4
    i64.mul
    local.get 2
    local.get 3
    i64.mul
    i64.add
    local.get 3
    i64.const 32
    i64.shr_u
    local.tee 4
    local.get 1
    i64.const 32
    i64.shr_u
    local.tee 2
    i64.mul
    i64.add
    local.get 3
    i64.const 4294967295
    i64.and
    local.tee 3
    local.get 1
    i64.const 4294967295
    i64.and
    local.tee 1
    i64.mul
    local.tee 5
    i64.const 32
    i64.shr_u
    local.get 2
    local.get 3
    i64.mul
    i64.add
    local.tee 3
    i64.const 32
    i64.shr_u
    i64.add
    local.get 1
    local.get 4
    i64.mul
    local.get 3
    i64.const 4294967295
    i64.and
    i64.add
    local.tee 3
    i64.const 32
    i64.shr_u
    i64.add
    i64.store offset=8
    local.get 0
    local.get 5
    i64.const 4294967295
    i64.and
    local.get 3
    i64.const 32
    i64.shl
    i64.or
    i64.store)
  (func $multi3_other_offsets (param i32 i64 i64 i64 i64)
    (local i64)
    local.get 0
    local.get 4
    local.get 1
    i64.mul
    local.get 2
    local.get 3
    i64.mul
    i64.add
    local.get 3
    i64.const 32
    i64.shr_u
    local.tee 2
    local.get 1
    i64.const 32
    i64.shr_u
    local.tee 4
    i64.mul
    i64.add
    local.get 3
    i64.const 4294967295
    i64.and
    local.tee 3
    local.get 1
    i64.const 4294967295
    i64.and
    local.tee 1
    i64.mul
    local.tee 5
    i64.const 32
    i64.shr_u
    local.get 3
    local.get 4
    i64.mul
    i64.add
    local.tee 3
    i64.const 32
    i64.shr_u
    i64.add
    local.get 3
    i64.const 4294967295
    i64.and
    local.get 2
    local.get 1
    i64.mul
    i64.add
    local.tee 1
    i64.const 32
    i64.shr_u
    i64.add
    i64.store offset=0x10
    local.get 0
    local.get 1
    i64.const 32
    i64.shl
    local.get 5
    i64.const 4294967295
    i64.and
    i64.or
    i64.store offset=0x18)
  (func $near_miss (param i32 i64 i64 i64 i64)
    (local i64)
    local.get 0
    local.get 4
    local.get 1
    i64.mul
    local.get 2
    local.get 3
    i64.mul
    i64.add
    local.get 3
    i64.const 32
    i64.shr_u
    local.tee 2
    local.get 1
    i64.const 32
    i64.shr_s
    local.tee 4
    i64.mul
    i64.add
    local.get 3
    i64.const 4294967295
    i64.and
    local.tee 3
    local.get 1
    i64.const 4294967295
    i64.and
    local.tee 1
    i64.mul
    local.tee 5
    i64.const 32
    i64.shr_u
    local.get 3
    local.get 4
    i64.mul
    i64.add
    local.tee 3
    i64.const 32
    i64.shr_u
    i64.add
    local.get 3
    i64.const 4294967295
    i64.and
    local.get 2
    local.get 1
    i64.mul
    i64.add
    local.tee 1
    i64.const 32
    i64.shr_u
    i64.add
    i64.store offset=8
    local.get 0
    local.get 1
    i64.const 32
    i64.shl
    local.get 5
    i64.const 4294967295
    i64.and
    i64.or
    i64.store)
  (data (i32.const 0x100) "multi3_sightglass #0 hi")
  (data (i32.const 0x120) "multi3_sightglass #0 lo")
  (data (i32.const 0x140) "multi3_sightglass #1 hi")
  (data (i32.const 0x160) "multi3_sightglass #1 lo")
  (data (i32.const 0x180) "multi3_sightglass #2 hi")
  (data (i32.const 0x1a0) "multi3_sightglass #2 lo")
  (data (i32.const 0x1c0) "multi3_sightglass #3 hi")
  (data (i32.const 0x1e0) "multi3_sightglass #3 lo")
  (data (i32.const 0x200) "multi3_sightglass #4 hi")
  (data (i32.const 0x220) "multi3_sightglass #4 lo")
  (data (i32.const 0x240) "multi3_sightglass #5 hi")
  (data (i32.const 0x260) "multi3_sightglass #5 lo")
  (data (i32.const 0x280) "multi3_sightglass #6 hi")
  (data (i32.const 0x2a0) "multi3_sightglass #6 lo")
  (data (i32.const 0x2c0) "multi3_sightglass #7 hi")
  (data (i32.const 0x2e0) "multi3_sightglass #7 lo")
  (data (i32.const 0x300) "multi3_clang14 #0 hi")
  (data (i32.const 0x320) "multi3_clang14 #0 lo")
  (data (i32.const 0x340) "multi3_clang14 #1 hi")
  (data (i32.const 0x360) "multi3_clang14 #1 lo")
  (data (i32.const 0x380) "multi3_clang14 #2 hi")
  (data (i32.const 0x3a0) "multi3_clang14 #2 lo")
  (data (i32.const 0x3c0) "multi3_clang14 #3 hi")
  (data (i32.const 0x3e0) "multi3_clang14 #3 lo")
  (data (i32.const 0x400) "multi3_clang14 #4 hi")
  (data (i32.const 0x420) "multi3_clang14 #4 lo")
  (data (i32.const 0x440) "multi3_clang14 #5 hi")
  (data (i32.const 0x460) "multi3_clang14 #5 lo")
  (data (i32.const 0x480) "multi3_clang14 #6 hi")
  (data (i32.const 0x4a0) "multi3_clang14 #6 lo")
  (data (i32.const 0x4c0) "multi3_clang14 #7 hi")
  (data (i32.const 0x4e0) "multi3_clang14 #7 lo")
  (data (i32.const 0x500) "multi3_other_offsets #0 hi")
  (data (i32.const 0x520) "multi3_other_offsets #0 lo")
  (data (i32.const 0x540) "multi3_other_offsets #1 hi")
  (data (i32.const 0x560) "multi3_other_offsets #1 lo")
  (data (i32.const 0x580) "multi3_other_offsets #2 hi")
  (data (i32.const 0x5a0) "multi3_other_offsets #2 lo")
  (data (i32.const 0x5c0) "multi3_other_offsets #3 hi")
  (data (i32.const 0x5e0) "multi3_other_offsets #3 lo")
  (data (i32.const 0x600) "multi3_other_offsets #4 hi")
  (data (i32.const 0x620) "multi3_other_offsets #4 lo")
  (data (i32.const 0x640) "multi3_other_offsets #5 hi")
  (data (i32.const 0x660) "multi3_other_offsets #5 lo")
  (data (i32.const 0x680) "multi3_other_offsets #6 hi")
  (data (i32.const 0x6a0) "multi3_other_offsets #6 lo")
  (data (i32.const 0x6c0) "multi3_other_offsets #7 hi")
  (data (i32.const 0x6e0) "multi3_other_offsets #7 lo")
  (data (i32.const 0x700) "near_miss #0 hi")
  (data (i32.const 0x720) "near_miss #0 lo")
  (data (i32.const 0x740) "near_miss #1 hi")
  (data (i32.const 0x760) "near_miss #1 lo")
  (data (i32.const 0x780) "near_miss #2 hi")
  (data (i32.const 0x7a0) "near_miss #2 lo")
  (data (i32.const 0x7c0) "near_miss #3 hi")
  (data (i32.const 0x7e0) "near_miss #3 lo")
  (data (i32.const 0x800) "near_miss #4 hi")
  (data (i32.const 0x820) "near_miss #4 lo")
  (data (i32.const 0x840) "near_miss #5 hi")
  (data (i32.const 0x860) "near_miss #5 lo")
  (data (i32.const 0x880) "near_miss #6 hi")
  (data (i32.const 0x8a0) "near_miss #6 lo")
  (data (i32.const 0x8c0) "near_miss #7 hi")
  (data (i32.const 0x8e0) "near_miss #7 lo")
  (func (export "_start")
    (call $multi3_sightglass (i32.const 0x1000) (call $i64 (i64.const 0)) (call $i64 (i64.const 0)) (call $i64 (i64.const 0)) (call $i64 (i64.const 0)))
    (call $check64 (i32.const 0x100) (i64.load offset=0x1008 (i32.const 0)))
    (call $check64 (i32.const 0x120) (i64.load offset=0x1000 (i32.const 0)))
    (call $multi3_sightglass (i32.const 0x1000) (call $i64 (i64.const 1)) (call $i64 (i64.const 0)) (call $i64 (i64.const 1)) (call $i64 (i64.const 0)))
    (call $check64 (i32.const 0x140) (i64.load offset=0x1008 (i32.const 0)))
    (call $check64 (i32.const 0x160) (i64.load offset=0x1000 (i32.const 0)))
    (call $multi3_sightglass (i32.const 0x1000) (call $i64 (i64.const -1)) (call $i64 (i64.const -1)) (call $i64 (i64.const -1)) (call $i64 (i64.const -1)))
    (call $check64 (i32.const 0x180) (i64.load offset=0x1008 (i32.const 0)))
    (call $check64 (i32.const 0x1a0) (i64.load offset=0x1000 (i32.const 0)))
    (call $multi3_sightglass (i32.const 0x1000) (call $i64 (i64.const 1311768467463790321)) (call $i64 (i64.const 1147797409030816545)) (call $i64 (i64.const -81985529216486895)) (call $i64 (i64.const 1229782938533634594)))
    (call $check64 (i32.const 0x1c0) (i64.load offset=0x1008 (i32.const 0)))
    (call $check64 (i32.const 0x1e0) (i64.load offset=0x1000 (i32.const 0)))
    (call $multi3_sightglass (i32.const 0x1000) (call $i64 (i64.const -1)) (call $i64 (i64.const 0)) (call $i64 (i64.const -1)) (call $i64 (i64.const 0)))
    (call $check64 (i32.const 0x200) (i64.load offset=0x1008 (i32.const 0)))
    (call $check64 (i32.const 0x220) (i64.load offset=0x1000 (i32.const 0)))
    (call $multi3_sightglass (i32.const 0x1000) (call $i64 (i64.const 4294967295)) (call $i64 (i64.const 0)) (call $i64 (i64.const 4294967295)) (call $i64 (i64.const 0)))
    (call $check64 (i32.const 0x240) (i64.load offset=0x1008 (i32.const 0)))
    (call $check64 (i32.const 0x260) (i64.load offset=0x1000 (i32.const 0)))
    (call $multi3_sightglass (i32.const 0x1000) (call $i64 (i64.const -9223372036854775808)) (call $i64 (i64.const 0)) (call $i64 (i64.const 2)) (call $i64 (i64.const 0)))
    (call $check64 (i32.const 0x280) (i64.load offset=0x1008 (i32.const 0)))
    (call $check64 (i32.const 0x2a0) (i64.load offset=0x1000 (i32.const 0)))
    (call $multi3_sightglass (i32.const 0x1000) (call $i64 (i64.const -9223372034707292160)) (call $i64 (i64.const 9223372036854775807)) (call $i64 (i64.const -9223372034707292159)) (call $i64 (i64.const -2)))
    (call $check64 (i32.const 0x2c0) (i64.load offset=0x1008 (i32.const 0)))
    (call $check64 (i32.const 0x2e0) (i64.load offset=0x1000 (i32.const 0)))
    (call $multi3_clang14 (i32.const 0x1000) (call $i64 (i64.const 0)) (call $i64 (i64.const 0)) (call $i64 (i64.const 0)) (call $i64 (i64.const 0)))
    (call $check64 (i32.const 0x300) (i64.load offset=0x1008 (i32.const 0)))
    (call $check64 (i32.const 0x320) (i64.load offset=0x1000 (i32.const 0)))
    (call $multi3_clang14 (i32.const 0x1000) (call $i64 (i64.const 1)) (call $i64 (i64.const 0)) (call $i64 (i64.const 1)) (call $i64 (i64.const 0)))
    (call $check64 (i32.const 0x340) (i64.load offset=0x1008 (i32.const 0)))
    (call $check64 (i32.const 0x360) (i64.load offset=0x1000 (i32.const 0)))
    (call $multi3_clang14 (i32.const 0x1000) (call $i64 (i64.const -1)) (call $i64 (i64.const -1)) (call $i64 (i64.const -1)) (call $i64 (i64.const -1)))
    (call $check64 (i32.const 0x380) (i64.load offset=0x1008 (i32.const 0)))
    (call $check64 (i32.const 0x3a0) (i64.load offset=0x1000 (i32.const 0)))
    (call $multi3_clang14 (i32.const 0x1000) (call $i64 (i64.const 1311768467463790321)) (call $i64 (i64.const 1147797409030816545)) (call $i64 (i64.const -81985529216486895)) (call $i64 (i64.const 1229782938533634594)))
    (call $check64 (i32.const 0x3c0) (i64.load offset=0x1008 (i32.const 0)))
    (call $check64 (i32.const 0x3e0) (i64.load offset=0x1000 (i32.const 0)))
    (call $multi3_clang14 (i32.const 0x1000) (call $i64 (i64.const -1)) (call $i64 (i64.const 0)) (call $i64 (i64.const -1)) (call $i64 (i64.const 0)))
    (call $check64 (i32.const 0x400) (i64.load offset=0x1008 (i32.const 0)))
    (call $check64 (i32.const 0x420) (i64.load offset=0x1000 (i32.const 0)))
    (call $multi3_clang14 (i32.const 0x1000) (call $i64 (i64.const 4294967295)) (call $i64 (i64.const 0)) (call $i64 (i64.const 4294967295)) (call $i64 (i64.const 0)))
    (call $check64 (i32.const 0x440) (i64.load offset=0x1008 (i32.const 0)))
    (call $check64 (i32.const 0x460) (i64.load offset=0x1000 (i32.const 0)))
    (call $multi3_clang14 (i32.const 0x1000) (call $i64 (i64.const -9223372036854775808)) (call $i64 (i64.const 0)) (call $i64 (i64.const 2)) (call $i64 (i64.const 0)))
    (call $check64 (i32.const 0x480) (i64.load offset=0x1008 (i32.const 0)))
    (call $check64 (i32.const 0x4a0) (i64.load offset=0x1000 (i32.const 0)))
    (call $multi3_clang14 (i32.const 0x1000) (call $i64 (i64.const -9223372034707292160)) (call $i64 (i64.const 9223372036854775807)) (call $i64 (i64.const -9223372034707292159)) (call $i64 (i64.const -2)))
    (call $check64 (i32.const 0x4c0) (i64.load offset=0x1008 (i32.const 0)))
    (call $check64 (i32.const 0x4e0) (i64.load offset=0x1000 (i32.const 0)))
    (call $multi3_other_offsets (i32.const 0x1000) (call $i64 (i64.const 0)) (call $i64 (i64.const 0)) (call $i64 (i64.const 0)) (call $i64 (i64.const 0)))
    (call $check64 (i32.const 0x500) (i64.load offset=0x1010 (i32.const 0)))
    (call $check64 (i32.const 0x520) (i64.load offset=0x1018 (i32.const 0)))
    (call $multi3_other_offsets (i32.const 0x1000) (call $i64 (i64.const 1)) (call $i64 (i64.const 0)) (call $i64 (i64.const 1)) (call $i64 (i64.const 0)))
    (call $check64 (i32.const 0x540) (i64.load offset=0x1010 (i32.const 0)))
    (call $check64 (i32.const 0x560) (i64.load offset=0x1018 (i32.const 0)))
    (call $multi3_other_offsets (i32.const 0x1000) (call $i64 (i64.const -1)) (call $i64 (i64.const -1)) (call $i64 (i64.const -1)) (call $i64 (i64.const -1)))
    (call $check64 (i32.const 0x580) (i64.load offset=0x1010 (i32.const 0)))
    (call $check64 (i32.const 0x5a0) (i64.load offset=0x1018 (i32.const 0)))
    (call $multi3_other_offsets (i32.const 0x1000) (call $i64 (i64.const 1311768467463790321)) (call $i64 (i64.const 1147797409030816545)) (call $i64 (i64.const -81985529216486895)) (call $i64 (i64.const 1229782938533634594)))
    (call $check64 (i32.const 0x5c0) (i64.load offset=0x1010 (i32.const 0)))
    (call $check64 (i32.const 0x5e0) (i64.load offset=0x1018 (i32.const 0)))
    (call $multi3_other_offsets (i32.const 0x1000) (call $i64 (i64.const -1)) (call $i64 (i64.const 0)) (call $i64 (i64.const -1)) (call $i64 (i64.const 0)))
    (call $check64 (i32.const 0x600) (i64.load offset=0x1010 (i32.const 0)))
    (call $check64 (i32.const 0x620) (i64.load offset=0x1018 (i32.const 0)))
    (call $multi3_other_offsets (i32.const 0x1000) (call $i64 (i64.const 4294967295)) (call $i64 (i64.const 0)) (call $i64 (i64.const 4294967295)) (call $i64 (i64.const 0)))
    (call $check64 (i32.const 0x640) (i64.load offset=0x1010 (i32.const 0)))
    (call $check64 (i32.const 0x660) (i64.load offset=0x1018 (i32.const 0)))
    (call $multi3_other_offsets (i32.const 0x1000) (call $i64 (i64.const -9223372036854775808)) (call $i64 (i64.const 0)) (call $i64 (i64.const 2)) (call $i64 (i64.const 0)))
    (call $check64 (i32.const 0x680) (i64.load offset=0x1010 (i32.const 0)))
    (call $check64 (i32.const 0x6a0) (i64.load offset=0x1018 (i32.const 0)))
    (call $multi3_other_offsets (i32.const 0x1000) (call $i64 (i64.const -9223372034707292160)) (call $i64 (i64.const 9223372036854775807)) (call $i64 (i64.const -9223372034707292159)) (call $i64 (i64.const -2)))
    (call $check64 (i32.const 0x6c0) (i64.load offset=0x1010 (i32.const 0)))
    (call $check64 (i32.const 0x6e0) (i64.load offset=0x1018 (i32.const 0)))
    (call $near_miss (i32.const 0x1000) (call $i64 (i64.const 0)) (call $i64 (i64.const 0)) (call $i64 (i64.const 0)) (call $i64 (i64.const 0)))
    (call $check64 (i32.const 0x700) (i64.load offset=0x1008 (i32.const 0)))
    (call $check64 (i32.const 0x720) (i64.load offset=0x1000 (i32.const 0)))
    (call $near_miss (i32.const 0x1000) (call $i64 (i64.const 1)) (call $i64 (i64.const 0)) (call $i64 (i64.const 1)) (call $i64 (i64.const 0)))
    (call $check64 (i32.const 0x740) (i64.load offset=0x1008 (i32.const 0)))
    (call $check64 (i32.const 0x760) (i64.load offset=0x1000 (i32.const 0)))
    (call $near_miss (i32.const 0x1000) (call $i64 (i64.const -1)) (call $i64 (i64.const -1)) (call $i64 (i64.const -1)) (call $i64 (i64.const -1)))
    (call $check64 (i32.const 0x780) (i64.load offset=0x1008 (i32.const 0)))
    (call $check64 (i32.const 0x7a0) (i64.load offset=0x1000 (i32.const 0)))
    (call $near_miss (i32.const 0x1000) (call $i64 (i64.const 1311768467463790321)) (call $i64 (i64.const 1147797409030816545)) (call $i64 (i64.const -81985529216486895)) (call $i64 (i64.const 1229782938533634594)))
    (call $check64 (i32.const 0x7c0) (i64.load offset=0x1008 (i32.const 0)))
    (call $check64 (i32.const 0x7e0) (i64.load offset=0x1000 (i32.const 0)))
    (call $near_miss (i32.const 0x1000) (call $i64 (i64.const -1)) (call $i64 (i64.const 0)) (call $i64 (i64.const -1)) (call $i64 (i64.const 0)))
    (call $check64 (i32.const 0x800) (i64.load offset=0x1008 (i32.const 0)))
    (call $check64 (i32.const 0x820) (i64.load offset=0x1000 (i32.const 0)))
    (call $near_miss (i32.const 0x1000) (call $i64 (i64.const 4294967295)) (call $i64 (i64.const 0)) (call $i64 (i64.const 4294967295)) (call $i64 (i64.const 0)))
    (call $check64 (i32.const 0x840) (i64.load offset=0x1008 (i32.const 0)))
    (call $check64 (i32.const 0x860) (i64.load offset=0x1000 (i32.const 0)))
    (call $near_miss (i32.const 0x1000) (call $i64 (i64.const -9223372036854775808)) (call $i64 (i64.const 0)) (call $i64 (i64.const 2)) (call $i64 (i64.const 0)))
    (call $check64 (i32.const 0x880) (i64.load offset=0x1008 (i32.const 0)))
    (call $check64 (i32.const 0x8a0) (i64.load offset=0x1000 (i32.const 0)))
    (call $near_miss (i32.const 0x1000) (call $i64 (i64.const -9223372034707292160)) (call $i64 (i64.const 9223372036854775807)) (call $i64 (i64.const -9223372034707292159)) (call $i64 (i64.const -2)))
    (call $check64 (i32.const 0x8c0) (i64.load offset=0x1008 (i32.const 0)))
    (call $check64 (i32.const 0x8e0) (i64.load offset=0x1000 (i32.const 0)))
  ))
