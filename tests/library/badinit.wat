;; A reactor whose _initialize traps: initialize returns the trap and poisons it.
(module
  (memory (export "memory") 1)
  (func (export "_initialize") unreachable)
  (func (export "get") (result i32) (i32.const 1)))
