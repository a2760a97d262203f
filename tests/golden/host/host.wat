;; Calls host functions written in C (host.c, passed with --link) and prints results.
(module
  (import "env" "add" (func $add (param i32 i32) (result i32)))
  (import "env" "scale" (func $scale (param f64) (result f64)))
  (import "env" "mix" (func $mix (param i32 i64 f32 f64) (result i64)))
  (import "env" "weighted" (func $weighted (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "my-mod" "odd.name" (func $odd (result i32)))
  (import "env" "has_instance" (func $has_instance (result i32)))
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

  (data (i32.const 0x100) "env.add 40 2")
  (data (i32.const 0x120) "env.add INT_MAX 1")
  (data (i32.const 0x140) "env.scale 1.5")
  (data (i32.const 0x160) "env.mix -1 2^32 2.5 -1000")
  (data (i32.const 0x180) "env.weighted 1..8")
  (data (i32.const 0x1a0) "my-mod.odd.name")
  (data (i32.const 0x1c0) "instance is not null")

  (func (export "_start")
    (call $check32 (i32.const 0x100) (call $add (i32.const 40) (i32.const 2)))
    (call $check32 (i32.const 0x120) (call $add (i32.const 0x7fffffff) (i32.const 1)))
    (call $check64 (i32.const 0x140) (i64.reinterpret_f64 (call $scale (f64.const 1.5))))
    (call $check64 (i32.const 0x160)
      (call $mix (i32.const -1) (i64.const 0x100000000) (f32.const 2.5) (f64.const -1000)))
    (call $check32 (i32.const 0x180)
      (call $weighted (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4)
                      (i32.const 5) (i32.const 6) (i32.const 7) (i32.const 8)))
    (call $check32 (i32.const 0x1a0) (call $odd))
    (call $check32 (i32.const 0x1c0) (call $has_instance)))
)
