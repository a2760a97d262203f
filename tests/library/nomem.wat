;; A command that does not export its memory: start must refuse it (as node:wasi does).
(module
  (memory 1)
  (func (export "_start")))
