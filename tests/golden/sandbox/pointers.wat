;; Guest pointers and lengths that leave linear memory (one page, 65536 bytes): each
;; call must fail with FAULT (21) without touching host memory, and without doing its
;; work first (no file created, nothing written). Prints "label: errno" per call.
;; Run with a preopen at fd 3.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_get"
    (func $path_filestat_get (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_readlink"
    (func $path_readlink (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name"
    (func $fd_prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (memory (export "memory") 1)

  ;; 0x000..0x100 scratch; labels from 0x100
  (data (i32.const 0x100) "path_open, path crosses the end: ")         ;; 0x100, 33
  (data (i32.const 0x140) "path_open, path wraps around 4 GiB: ")     ;; 0x140, 36
  (data (i32.const 0x180) "path_open creat, result crosses the end: ");; 0x180, 41
  (data (i32.const 0x1c0) "path_filestat_get new.txt: ")              ;; 0x1c0, 27
  (data (i32.const 0x200) "fd_write, iovec array crosses the end: ")  ;; 0x200, 39
  (data (i32.const 0x240) "fd_write, buffer crosses the end: ")       ;; 0x240, 34
  (data (i32.const 0x280) "path_filestat_get, result crosses the end: ") ;; 0x280, 43
  (data (i32.const 0x2c0) "path_readlink, buffer crosses the end: ")  ;; 0x2c0, 39
  (data (i32.const 0x300) "fd_prestat_dir_name, buffer crosses the end: ") ;; 0x300, 45
  (data (i32.const 0x340) "args_sizes_get, result crosses the end: ") ;; 0x340, 40
  (data (i32.const 0x380) "random_get, buffer crosses the end: ")     ;; 0x380, 36
  (data (i32.const 0x3c0) "clock_time_get, result crosses the end: ") ;; 0x3c0, 40
  (data (i32.const 0x400) "new.txt")                                  ;; 0x400, 7
  (data (i32.const 0x410) "up")                                       ;; 0x410, 2
  (data (i32.const 0x420) "inside.txt")                               ;; 0x420, 10

  ;; writes `len` bytes at `ptr` to stdout
  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))

  ;; prints the label, the errno (0 to 99) in decimal and a newline
  (func $report (param $label i32) (param $len i32) (param $errno i32)
    (local $at i32)
    (call $print (local.get $label) (local.get $len))
    (local.set $at (i32.const 0x20))
    (if (i32.ge_u (local.get $errno) (i32.const 10))
      (then
        (i32.store8 (local.get $at)
          (i32.add (i32.const 48) (i32.div_u (local.get $errno) (i32.const 10))))
        (local.set $at (i32.add (local.get $at) (i32.const 1)))))
    (i32.store8 (local.get $at) (i32.add (i32.const 48) (i32.rem_u (local.get $errno) (i32.const 10))))
    (i32.store8 (i32.add (local.get $at) (i32.const 1)) (i32.const 10))
    (call $print (i32.const 0x20) (i32.sub (i32.add (local.get $at) (i32.const 2)) (i32.const 0x20))))

  (func (export "_start")
    (call $report (i32.const 0x100) (i32.const 33)
      (call $path_open (i32.const 3) (i32.const 0) (i32.const 65530) (i32.const 10)
        (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 0x10)))
    (call $report (i32.const 0x140) (i32.const 36)
      (call $path_open (i32.const 3) (i32.const 0) (i32.const 0xffffffff) (i32.const 2)
        (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 0x10)))
    ;; O_CREAT of new.txt with the result fd written at 65534: nothing may be created
    (call $report (i32.const 0x180) (i32.const 41)
      (call $path_open (i32.const 3) (i32.const 0) (i32.const 0x400) (i32.const 7)
        (i32.const 1) (i64.const 66) (i64.const 0) (i32.const 0) (i32.const 65534)))
    (call $report (i32.const 0x1c0) (i32.const 27)
      (call $path_filestat_get (i32.const 3) (i32.const 0) (i32.const 0x400) (i32.const 7)
        (i32.const 0x40)))
    ;; two iovecs (16 bytes) starting 8 bytes before the end
    (call $report (i32.const 0x200) (i32.const 39)
      (call $fd_write (i32.const 1) (i32.const 65528) (i32.const 2) (i32.const 0x10)))
    (i32.store (i32.const 0x18) (i32.const 65000))
    (i32.store (i32.const 0x1c) (i32.const 1000))
    (call $report (i32.const 0x240) (i32.const 34)
      (call $fd_write (i32.const 1) (i32.const 0x18) (i32.const 1) (i32.const 0x10)))
    ;; a filestat is 64 bytes
    (call $report (i32.const 0x280) (i32.const 43)
      (call $path_filestat_get (i32.const 3) (i32.const 0) (i32.const 0x420) (i32.const 10)
        (i32.const 65500)))
    (call $report (i32.const 0x2c0) (i32.const 39)
      (call $path_readlink (i32.const 3) (i32.const 0x410) (i32.const 2)
        (i32.const 65530) (i32.const 100) (i32.const 0x10)))
    (call $report (i32.const 0x300) (i32.const 45)
      (call $fd_prestat_dir_name (i32.const 3) (i32.const 65535) (i32.const 8)))
    (call $report (i32.const 0x340) (i32.const 40)
      (call $args_sizes_get (i32.const 0x10) (i32.const 65533)))
    (call $report (i32.const 0x380) (i32.const 36)
      (call $random_get (i32.const 65000) (i32.const 1000)))
    (call $report (i32.const 0x3c0) (i32.const 40)
      (call $clock_time_get (i32.const 0) (i64.const 1) (i32.const 65532)))))
