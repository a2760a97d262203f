;; The library-mode C API test module (api_test.c): a reactor with host functions of
;; every C-passable type, exports of every value type, multi-value, globals, a table,
;; memory growth, traps, stack exhaustion, proc_exit, and export names that collide
;; after C mangling. api_test.c relies on the export order (export indices).
(module
  (import "env" "add" (func $add (param i32 i32) (result i32)))
  (import "env" "scale" (func $scale (param f64) (result f64)))
  (import "env" "pass" (func $pass (param externref) (result externref)))
  (import "env" "mix" (func $mix (param i64 f32) (result i64)))
  (import "env" "touch" (func $touch (param i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1 10)                               ;; 0
  (table (export "table") 2 funcref)                            ;; 1
  (global $counter (export "counter") (mut i32) (i32.const 0))  ;; 2
  (global (export "answer") i64 (i64.const 42))                 ;; 3
  (global (export "pi") f64 (f64.const 3.5))                    ;; 4
  (global (export "ratio") (mut f32) (f32.const 0.5))           ;; 5
  (global (export "vec") (mut v128) (v128.const i32x4 1 2 3 4)) ;; 6
  (global (export "ref") (mut externref) (ref.null extern))     ;; 7
  (global (export "fref") (mut funcref) (ref.null func))        ;; 8
  (global $ready (mut i32) (i32.const 0))
  (func (export "_initialize") (global.set $ready (i32.const 1)))   ;; 9
  (func (export "ready") (result i32) (global.get $ready))          ;; 10
  (func (export "bump") (result i32)                                ;; 11
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (global.get $counter))
  (func (export "add_via_host") (param i32 i32) (result i32)        ;; 12
    (call $add (local.get 0) (local.get 1)))
  (func (export "scale_via_host") (param f64) (result f64)          ;; 13
    (call $scale (local.get 0)))
  (func (export "pass_via_host") (param externref) (result externref) ;; 14
    (call $pass (local.get 0)))
  (func (export "mix_via_host") (param i64 f32) (result i64)        ;; 15
    (call $mix (local.get 0) (local.get 1)))
  (func (export "touch_via_host") (param i32) (result i32)          ;; 16
    (call $touch (local.get 0))
    (i32.load (local.get 0)))
  (func (export "swap") (param i32 i64 f32 f64) (result f64 f32 i64 i32) ;; 17
    (local.get 3) (local.get 2) (local.get 1) (local.get 0))
  (func (export "vadd") (param v128 v128) (result v128)             ;; 18
    (i32x4.add (local.get 0) (local.get 1)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))    ;; 19
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))) ;; 20
  (func $recurse (export "recurse") (param i32) (result i32)        ;; 21
    (i32.add (call $recurse (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func (export "exit") (param i32) (call $exit (local.get 0)))     ;; 22
  (func (export "take_func") (param funcref))                       ;; 23
  (func (export "a-b") (result i32) (i32.const 1))                  ;; 24
  (func (export "a_b") (result i32) (i32.const 2))                  ;; 25
  (func (export "free") (result i32) (i32.const 3))                 ;; 26
  (func (export "instance_new") (result i32) (i32.const 4))         ;; 27
  (func (export "nothing")))                                        ;; 28
