;; Rotate- and shift-heavy hashing, whose x86 lowering depends on the CPU level (BMI2
;; `rorx`/`shlx`/`sarx`, BMI1 `andn`/`blsr`/`tzcnt` and LZCNT, or their x86-64-v2
;; sequences, which must handle a zero input to clz/ctz themselves): 10,000 rounds with
;; variable and constant counts, then bit counts of zero and non-zero values. Built at
;; every --target-cpu level, the output must be the same.
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

  (data (i32.const 0x100) "i32 rotate hash")
  (data (i32.const 0x120) "i64 rotate hash")
  (data (i32.const 0x140) "i32 shift/andn/blsr hash")
  (data (i32.const 0x160) "i64 shift/andn/blsi hash")
  (data (i32.const 0x180) "bit counts over the rounds")
  (data (i32.const 0x1a0) "clz/ctz/popcnt 0 (i32, i64)")

  ;; h = rotl(h ^ i * golden, i) + rotr(h, 7), variable and constant counts
  (func $hash32 (param $n i32) (result i32)
    (local $i i32) (local $h i32)
    (local.set $h (i32.const 0x811c9dc5))
    (loop $round
      (local.set $h
        (i32.add
          (i32.rotl
            (i32.xor (local.get $h) (i32.mul (local.get $i) (i32.const 0x9e3779b9)))
            (local.get $i))
          (i32.rotr (local.get $h) (i32.const 7))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $round (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $h))

  (func $hash64 (param $n i32) (result i64)
    (local $i i64) (local $h i64)
    (local.set $h (i64.const 0xcbf29ce484222325))
    (loop $round
      (local.set $h
        (i64.xor
          (i64.rotr
            (i64.add (local.get $h) (i64.mul (local.get $i) (i64.const 0x9e3779b97f4a7c15)))
            (i64.xor (local.get $i) (i64.const 13)))
          (i64.rotl (local.get $h) (i64.const 29))))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $round (i64.lt_u (local.get $i) (i64.extend_i32_u (local.get $n)))))
    (local.get $h))

  ;; shifts by variable counts (including counts >= the width), and-not, x & (x - 1)
  (func $shift32 (param $n i32) (result i32)
    (local $i i32) (local $h i32)
    (local.set $h (i32.const 0x12345678))
    (loop $round
      (local.set $h
        (i32.xor
          (i32.add
            (i32.shl (local.get $h) (i32.and (local.get $i) (i32.const 63)))
            (i32.shr_s (local.get $h) (i32.sub (i32.const 40) (i32.and (local.get $i) (i32.const 31)))))
          (i32.or
            (i32.and (i32.xor (local.get $h) (i32.const -1)) (i32.shr_u (local.get $h) (local.get $i)))
            (i32.and (local.get $h) (i32.sub (local.get $h) (i32.const 1))))))
      (local.set $h (i32.add (local.get $h) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $round (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $h))

  ;; the same in 64 bits, with x & -x
  (func $shift64 (param $n i32) (result i64)
    (local $i i64) (local $h i64)
    (local.set $h (i64.const 0x0123456789abcdef))
    (loop $round
      (local.set $h
        (i64.xor
          (i64.add
            (i64.shl (local.get $h) (i64.and (local.get $i) (i64.const 127)))
            (i64.shr_s (local.get $h) (i64.sub (i64.const 70) (i64.and (local.get $i) (i64.const 63)))))
          (i64.or
            (i64.and (i64.xor (local.get $h) (i64.const -1)) (i64.shr_u (local.get $h) (local.get $i)))
            (i64.and (local.get $h) (i64.sub (i64.const 0) (local.get $h))))))
      (local.set $h (i64.add (local.get $h) (local.get $i)))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $round (i64.lt_u (local.get $i) (i64.extend_i32_u (local.get $n)))))
    (local.get $h))

  ;; sum of clz, ctz and popcnt of i * 0x01000193 (zero included) over the rounds
  (func $counts (param $n i32) (result i64)
    (local $i i32) (local $x i32) (local $sum i64)
    (loop $round
      (local.set $x (i32.mul (local.get $i) (i32.const 0x01000193)))
      (local.set $sum
        (i64.add (local.get $sum)
          (i64.extend_i32_u
            (i32.add (i32.clz (local.get $x))
              (i32.add (i32.ctz (local.get $x)) (i32.popcnt (local.get $x)))))))
      (local.set $sum
        (i64.add (local.get $sum)
          (i64.add (i64.clz (i64.extend_i32_u (local.get $x)))
            (i64.ctz (i64.shl (i64.extend_i32_u (local.get $x)) (i64.const 32))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $round (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $sum))

  (func (export "_start")
    (call $check32 (i32.const 0x100) (call $hash32 (call $i32 (i32.const 10000))))
    (call $check64 (i32.const 0x120) (call $hash64 (call $i32 (i32.const 10000))))
    (call $check32 (i32.const 0x140) (call $shift32 (call $i32 (i32.const 10000))))
    (call $check64 (i32.const 0x160) (call $shift64 (call $i32 (i32.const 10000))))
    (call $check64 (i32.const 0x180) (call $counts (call $i32 (i32.const 10000))))
    (call $check64 (i32.const 0x1a0)
      (i64.or
        (i64.shl
          (i64.extend_i32_u
            (i32.or (i32.shl (i32.clz (call $i32 (i32.const 0))) (i32.const 16))
              (i32.or (i32.shl (i32.ctz (call $i32 (i32.const 0))) (i32.const 8))
                (i32.popcnt (call $i32 (i32.const 0))))))
          (i64.const 32))
        (i64.or (i64.shl (i64.clz (call $i64 (i64.const 0))) (i64.const 16))
          (i64.or (i64.shl (i64.ctz (call $i64 (i64.const 0))) (i64.const 8))
            (i64.popcnt (call $i64 (i64.const 0))))))))
)
