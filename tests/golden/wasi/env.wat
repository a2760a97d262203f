;; Prints the number of environment entries, the buffer size, and each entry in brackets.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
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
  ;; prints `$v` in decimal
  (func $dec (param $v i32)
    (local $i i32)
    (local.set $i (i32.const 48))
    (loop $next
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (i32.store8 (local.get $i) (i32.add (i32.const 0x30) (i32.rem_u (local.get $v) (i32.const 10))))
      (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
      (br_if $next (local.get $v)))
    (call $print (local.get $i) (i32.sub (i32.const 48) (local.get $i))))
  ;; exits with 100 + errno when a WASI call fails
  (func $ok (param $errno i32)
    (if (local.get $errno) (then (call $proc_exit (i32.add (i32.const 100) (local.get $errno))))))

  (data (i32.const 0x100) "environc=")
  (data (i32.const 0x120) " size=")
  (data (i32.const 0x140) "[")
  (data (i32.const 0x160) "]\n")

  ;; 0x80 count, 0x84 buffer size, 0x1000 pointers, 0x2000 strings
  (func (export "_start")
    (local $i i32) (local $count i32)
    (call $ok (call $environ_sizes_get (i32.const 0x80) (i32.const 0x84)))
    (local.set $count (i32.load (i32.const 0x80)))
    (call $puts (i32.const 0x100))
    (call $dec (local.get $count))
    (call $puts (i32.const 0x120))
    (call $dec (i32.load (i32.const 0x84)))
    (call $print (i32.const 68) (i32.const 1))
    (call $ok (call $environ_get (i32.const 0x1000) (i32.const 0x2000)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (call $puts (i32.const 0x140))
        (call $puts (i32.load offset=0x1000 (i32.shl (local.get $i) (i32.const 2))))
        (call $puts (i32.const 0x160))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))
)
