;; Control flow and calls: multi-value functions and blocks with parameters, br_table
;; (in range, default, huge index), br_if with values, mutable globals, a start function
;; that runs before _start, calls with many mixed arguments, call_indirect, select.
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

  (type $binop (func (param i32 i32) (result i32)))
  (table 3 funcref)
  (elem (i32.const 0) $add $sub $mul)
  (func $add (type $binop) (i32.add (local.get 0) (local.get 1)))
  (func $sub (type $binop) (i32.sub (local.get 0) (local.get 1)))
  (func $mul (type $binop) (i32.mul (local.get 0) (local.get 1)))

  (global $counter (mut i32) (i32.const 40))
  (global $wide (mut i64) (i64.const -1))
  (global $ratio (mut f64) (f64.const 0.5))
  (global $seed i32 (i32.const 7))

  ;; runs at instantiation, before _start
  (start $init)
  (func $init
    (global.set $counter (i32.add (global.get $counter) (global.get $seed)))
    (i32.store (i32.const 0xf00) (i32.const 0x5eed)))

  (func $divmod (param $a i32) (param $b i32) (result i32 i32)
    (i32.div_u (local.get $a) (local.get $b))
    (i32.rem_u (local.get $a) (local.get $b)))

  (func $swap (param i64 i32) (result i32 i64) (local.get 1) (local.get 0))

  (func $classify (param $n i32) (result i32)
    (block $default
      (block $two
        (block $one
          (block $zero
            (br_table $zero $one $two $default (local.get $n)))
          (return (i32.const 0)))
        (return (i32.const 1)))
      (return (i32.const 2)))
    (i32.const 9))

  ;; br_table carrying a value to its target
  (func $pick (param $n i32) (result i32)
    (block $b (result i32)
      (block $a (result i32)
        (i32.const 0xa)
        (br_table $a $b (local.get $n)))
      (i32.add (i32.const 0x10)))
    )

  (func $many (param i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f32 f64) (result i64)
    (i64.add
      (i64.add
        (i64.add (i64.extend_i32_u (local.get 0)) (local.get 1))
        (i64.add (i64.trunc_f32_s (local.get 2)) (i64.trunc_f64_s (local.get 3))))
      (i64.add
        (i64.mul
          (i64.add
            (i64.add (i64.extend_i32_u (local.get 4)) (local.get 5))
            (i64.add (i64.trunc_f32_s (local.get 6)) (i64.trunc_f64_s (local.get 7))))
          (i64.const 0x100))
        (i64.mul
          (i64.add
            (i64.add
              (i64.add (i64.extend_i32_u (local.get 8)) (local.get 9))
              (i64.add (i64.trunc_f32_s (local.get 10)) (i64.trunc_f64_s (local.get 11))))
            (i64.mul
              (i64.add
                (i64.add (i64.extend_i32_u (local.get 12)) (local.get 13))
                (i64.add (i64.trunc_f32_s (local.get 14)) (i64.trunc_f64_s (local.get 15))))
              (i64.const 0x100)))
          (i64.const 0x10000)))))

  (func $fact (param $n i64) (result i64)
    (if (result i64) (i64.le_u (local.get $n) (i64.const 1))
      (then (i64.const 1))
      (else (i64.mul (local.get $n) (call $fact (i64.sub (local.get $n) (i64.const 1)))))))

  (data (i32.const 0x100) "start function ran")
  (data (i32.const 0x120) "global after start")
  (data (i32.const 0x140) "divmod 47 5 -> q")
  (data (i32.const 0x160) "divmod 47 5 -> r")
  (data (i32.const 0x180) "swap -> i32")
  (data (i32.const 0x1a0) "swap -> i64")
  (data (i32.const 0x1c0) "block (param i32 i32) add")
  (data (i32.const 0x1e0) "loop (param i32) sum 1..10")
  (data (i32.const 0x200) "if (param i64) (result i64 i64)")
  (data (i32.const 0x220) "br_table 0 1 2 3 9 -1")
  (data (i32.const 0x240) "br_table with value 0 1 5")
  (data (i32.const 0x260) "br_if value")
  (data (i32.const 0x280) "mutable globals")
  (data (i32.const 0x2a0) "16 mixed arguments")
  (data (i32.const 0x2c0) "call_indirect 0 1 2")
  (data (i32.const 0x2e0) "select / typed select")
  (data (i32.const 0x300) "factorial 20")
  (data (i32.const 0x320) "loop count to 1e6")

  (func (export "_start")
    (local $i i32) (local $acc i32) (local $q i32) (local $r i32) (local $x i64)
    (call $check32 (i32.const 0x100) (i32.load (i32.const 0xf00)))
    (call $check32 (i32.const 0x120) (global.get $counter))

    (call $divmod (call $i32 (i32.const 47)) (call $i32 (i32.const 5)))
    (local.set $r)
    (local.set $q)
    (call $check32 (i32.const 0x140) (local.get $q))
    (call $check32 (i32.const 0x160) (local.get $r))
    (call $swap (call $i64 (i64.const 0x1122334455667788)) (call $i32 (i32.const 0x99)))
    (local.set $x)
    (local.set $q)
    (call $check32 (i32.const 0x180) (local.get $q))
    (call $check64 (i32.const 0x1a0) (local.get $x))

    (call $i32 (i32.const 0x20))
    (call $i32 (i32.const 0x3))
    (block (param i32 i32) (result i32)
      (i32.add)
      (i32.const 0x1000)
      (i32.add))
    (local.set $acc)
    (call $check32 (i32.const 0x1c0) (local.get $acc))
    (i32.const 0)
    (local.set $i (i32.const 10))
    (loop $l (param i32) (result i32)
      (i32.add (local.get $i))
      (local.tee $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $l))
    (local.set $acc)
    (call $check32 (i32.const 0x1e0) (local.get $acc))
    (call $i64 (i64.const 0x30))
    (if (param i64) (result i64 i64) (call $i32 (i32.const 1))
      (then (i64.const 0x1))
      (else (i64.const 0x2)))
    (i64.sub)
    (local.set $x)
    (call $check64 (i32.const 0x200) (local.get $x))
    (call $check32 (i32.const 0x220)
      (i32.add
        (i32.add
          (i32.add (call $classify (i32.const 0)) (i32.shl (call $classify (i32.const 1)) (i32.const 4)))
          (i32.shl (call $classify (i32.const 2)) (i32.const 8)))
        (i32.add
          (i32.add
            (i32.shl (call $classify (i32.const 3)) (i32.const 12))
            (i32.shl (call $classify (i32.const 9)) (i32.const 16)))
          (i32.shl (call $classify (i32.const -1)) (i32.const 20)))))
    (call $check32 (i32.const 0x240)
      (i32.or
        (i32.or (call $pick (i32.const 0)) (i32.shl (call $pick (i32.const 1)) (i32.const 8)))
        (i32.shl (call $pick (i32.const 5)) (i32.const 16))))
    (call $check32 (i32.const 0x260)
      (block $out (result i32)
        (drop (br_if $out (i32.const 0x11) (call $i32 (i32.const 0))))
        (drop (br_if $out (i32.const 0x22) (call $i32 (i32.const 1))))
        (i32.const 0x33)))

    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (global.set $wide (i64.shl (global.get $wide) (i64.const 8)))
    (global.set $ratio (f64.mul (global.get $ratio) (f64.const 8)))
    (call $check64 (i32.const 0x280)
      (i64.add
        (i64.add (i64.extend_i32_u (global.get $counter)) (global.get $wide))
        (i64.trunc_f64_s (global.get $ratio))))

    (call $check64 (i32.const 0x2a0)
      (call $many
        (i32.const 1) (i64.const 2) (f32.const 3.5) (f64.const 4.5)
        (i32.const 5) (i64.const 6) (f32.const 7.5) (f64.const 8.5)
        (i32.const 9) (i64.const 10) (f32.const 11.5) (f64.const 12.5)
        (i32.const 13) (i64.const 14) (f32.const 15.5) (f64.const 16.5)))
    (call $check32 (i32.const 0x2c0)
      (i32.or
        (i32.or
          (call_indirect (type $binop) (i32.const 7) (i32.const 3) (call $i32 (i32.const 0)))
          (i32.shl (call_indirect (type $binop) (i32.const 7) (i32.const 3) (call $i32 (i32.const 1))) (i32.const 8)))
        (i32.shl (call_indirect (type $binop) (i32.const 7) (i32.const 3) (call $i32 (i32.const 2))) (i32.const 16))))
    (call $check32 (i32.const 0x2e0)
      (i32.or
        (select (i32.const 0x10) (i32.const 0x20) (call $i32 (i32.const 0)))
        (i32.trunc_f32_s
          (select (result f32) (f32.const 1) (f32.const 2) (call $i32 (i32.const 5))))))
    (call $check64 (i32.const 0x300) (call $fact (call $i64 (i64.const 20))))
    (local.set $i (i32.const 0))
    (loop $count
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $count (i32.lt_u (local.get $i) (i32.const 1000000))))
    (call $check32 (i32.const 0x320) (local.get $i)))
)
