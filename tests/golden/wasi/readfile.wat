;; Prints the name of preopened directory fd 3, then opens argv[1] relative to it and
;; copies the file to stdout. Without a preopen: exits 3; when path_open fails: prints
;; the errno and exits 1.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $fd_prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
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

  (data (i32.const 0x100) "no preopened directory\n")
  (data (i32.const 0x120) "preopen: ")
  (data (i32.const 0x140) "open failed: errno ")

  (func $strlen (param $ptr i32) (result i32)
    (local $end i32)
    (local.set $end (local.get $ptr))
    (block $done
      (loop $scan
        (br_if $done (i32.eqz (i32.load8_u (local.get $end))))
        (local.set $end (i32.add (local.get $end) (i32.const 1)))
        (br $scan)))
    (i32.sub (local.get $end) (local.get $ptr)))

  ;; 0x80 argc, 0x84 argv size, 0x88 prestat, 0x90 opened fd, 0x98 iovec, 0xa0 nread,
  ;; 0x1000 argv, 0x2000 argv strings, 0x3000 preopen name, 0x4000 read buffer
  (func (export "_start")
    (local $path i32) (local $errno i32) (local $fd i32)
    (call $ok (call $args_sizes_get (i32.const 0x80) (i32.const 0x84)))
    (if (i32.lt_u (i32.load (i32.const 0x80)) (i32.const 2)) (then (call $proc_exit (i32.const 2))))
    (call $ok (call $args_get (i32.const 0x1000) (i32.const 0x2000)))
    (local.set $path (i32.load (i32.const 0x1004)))

    (if (call $fd_prestat_get (i32.const 3) (i32.const 0x88))
      (then
        (call $puts (i32.const 0x100))
        (call $proc_exit (i32.const 3))))
    (call $ok (call $fd_prestat_dir_name (i32.const 3) (i32.const 0x3000) (i32.load (i32.const 0x8c))))
    (call $puts (i32.const 0x120))
    (call $print (i32.const 0x3000) (i32.load (i32.const 0x8c)))
    (call $print (i32.const 68) (i32.const 1))

    ;; dirflags: symlink_follow; oflags: none; rights: fd_read
    (local.set $errno
      (call $path_open (i32.const 3) (i32.const 1) (local.get $path) (call $strlen (local.get $path))
        (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 0x90)))
    (if (local.get $errno)
      (then
        (call $puts (i32.const 0x140))
        (call $dec (local.get $errno))
        (call $print (i32.const 68) (i32.const 1))
        (call $proc_exit (i32.const 1))))
    (local.set $fd (i32.load (i32.const 0x90)))
    (loop $more
      (i32.store (i32.const 0x98) (i32.const 0x4000))
      (i32.store (i32.const 0x9c) (i32.const 0x1000))
      (call $ok (call $fd_read (local.get $fd) (i32.const 0x98) (i32.const 1) (i32.const 0xa0)))
      (if (i32.load (i32.const 0xa0))
        (then
          (call $print (i32.const 0x4000) (i32.load (i32.const 0xa0)))
          (br $more))))
    (call $ok (call $fd_close (local.get $fd))))
)
