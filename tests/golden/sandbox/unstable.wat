;; The same escapes through the legacy `wasi_unstable` module (snapshot 0), whose
;; path functions old binaries still call: a `..` component, a symbolic link to a
;; directory outside, and creating a file outside. Prints "label: errno" per call
;; (63 is PERM in both versions). Run with the sandbox fixture preopened at fd 3.
(module
  (import "wasi_unstable" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_unstable" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_unstable" "path_filestat_get"
    (func $path_filestat_get (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_unstable" "path_unlink_file" (func $path_unlink_file (param i32 i32 i32) (result i32)))
  (import "wasi_unstable" "path_rename" (func $path_rename (param i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)

  (data (i32.const 0x100) "../outside/secret")  ;; 0x100, 17
  (data (i32.const 0x120) "up/secret")          ;; 0x120, 9
  (data (i32.const 0x140) "up/created")         ;; 0x140, 10
  (data (i32.const 0x160) "inside.txt")         ;; 0x160, 10
  (data (i32.const 0x180) "path_open ")         ;; 0x180, 10
  (data (i32.const 0x190) "path_open creat ")   ;; 0x190, 16
  (data (i32.const 0x1a0) "path_filestat_get ") ;; 0x1a0, 18
  (data (i32.const 0x1c0) "path_unlink_file ")  ;; 0x1c0, 17
  (data (i32.const 0x1e0) "path_rename to ")    ;; 0x1e0, 15
  (data (i32.const 0x200) ": ")                 ;; 0x200, 2

  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))

  ;; prints "OP PATH: ERRNO\n" (errno 0 to 99)
  (func $report (param $op i32) (param $op_len i32) (param $path i32) (param $path_len i32)
                (param $errno i32)
    (local $at i32)
    (call $print (local.get $op) (local.get $op_len))
    (call $print (local.get $path) (local.get $path_len))
    (call $print (i32.const 0x200) (i32.const 2))
    (local.set $at (i32.const 0x20))
    (if (i32.ge_u (local.get $errno) (i32.const 10))
      (then
        (i32.store8 (local.get $at)
          (i32.add (i32.const 48) (i32.div_u (local.get $errno) (i32.const 10))))
        (local.set $at (i32.add (local.get $at) (i32.const 1)))))
    (i32.store8 (local.get $at) (i32.add (i32.const 48) (i32.rem_u (local.get $errno) (i32.const 10))))
    (i32.store8 (i32.add (local.get $at) (i32.const 1)) (i32.const 10))
    (call $print (i32.const 0x20) (i32.sub (i32.add (local.get $at) (i32.const 2)) (i32.const 0x20))))

  (func $open (param $path i32) (param $len i32) (param $oflags i32) (result i32)
    (call $path_open (i32.const 3) (i32.const 1) (local.get $path) (local.get $len)
      (local.get $oflags) (i64.const 66) (i64.const 0) (i32.const 0) (i32.const 0x10)))

  (func (export "_start")
    (call $report (i32.const 0x180) (i32.const 10) (i32.const 0x100) (i32.const 17)
      (call $open (i32.const 0x100) (i32.const 17) (i32.const 0)))
    (call $report (i32.const 0x180) (i32.const 10) (i32.const 0x120) (i32.const 9)
      (call $open (i32.const 0x120) (i32.const 9) (i32.const 0)))
    (call $report (i32.const 0x190) (i32.const 16) (i32.const 0x140) (i32.const 10)
      (call $open (i32.const 0x140) (i32.const 10) (i32.const 1)))
    (call $report (i32.const 0x1a0) (i32.const 18) (i32.const 0x100) (i32.const 17)
      (call $path_filestat_get (i32.const 3) (i32.const 1) (i32.const 0x100) (i32.const 17)
        (i32.const 0x40)))
    (call $report (i32.const 0x1c0) (i32.const 17) (i32.const 0x120) (i32.const 9)
      (call $path_unlink_file (i32.const 3) (i32.const 0x120) (i32.const 9)))
    (call $report (i32.const 0x1e0) (i32.const 15) (i32.const 0x100) (i32.const 17)
      (call $path_rename (i32.const 3) (i32.const 0x160) (i32.const 10)
        (i32.const 3) (i32.const 0x100) (i32.const 17)))))
