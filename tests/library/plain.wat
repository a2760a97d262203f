;; A reactor without _initialize: initialize succeeds without running anything; start
;; fails for lack of _start.
(module
  (memory (export "memory") 1)
  (func (export "get") (result i32) (i32.const 7)))
