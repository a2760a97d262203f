;; Copies stdin to stdout in 7-byte reads, then writes "cat: done\n" to stderr.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0x40) "cat: done\n")

  ;; writes `len` bytes at `ptr` to `fd`, exiting 100 + errno on failure
  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (local $errno i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (local.set $errno (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))
    (if (local.get $errno) (then (call $proc_exit (i32.add (i32.const 100) (local.get $errno))))))

  ;; 0x10 iovec, 0x18 nread, 0x100 buffer
  (func (export "_start")
    (local $errno i32)
    (loop $more
      (i32.store (i32.const 0x10) (i32.const 0x100))
      (i32.store (i32.const 0x14) (i32.const 7))
      (local.set $errno (call $fd_read (i32.const 0) (i32.const 0x10) (i32.const 1) (i32.const 0x18)))
      (if (local.get $errno) (then (call $proc_exit (i32.add (i32.const 100) (local.get $errno)))))
      (if (i32.load (i32.const 0x18))
        (then
          (call $write (i32.const 1) (i32.const 0x100) (i32.load (i32.const 0x18)))
          (br $more))))
    (call $write (i32.const 2) (i32.const 0x40) (i32.const 10))))
