;; A module whose start function traps: no instance is created.
(module
  (memory (export "memory") 1)
  (func $boom (drop (i32.div_u (i32.const 1) (i32.const 0))))
  (start $boom))
