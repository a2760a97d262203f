//! Control flow: blocks, loops, ifs, branches, `return`, `unreachable`, and the
//! stack-shape operators `drop` and `select`.

use cranelift_codegen::ir::{self, BlockArg, InstBuilder, JumpTableData};
use wasi_aot_abi::trap::Trap;
use wasmparser::{BlockType, Operator};

use super::FuncTranslator;
use crate::environ::ir_type;
use crate::CompileError;

/// What kind of construct a control frame is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FrameKind {
    /// The function body.
    Function,
    /// A `block`.
    Block,
    /// A `loop` (branches go to `header`).
    Loop {
        /// The loop header, taking the loop's parameters.
        header: ir::Block,
    },
    /// An `if` (always entered from reachable code, so its else arm is reachable).
    If {
        /// Where the false branch goes.
        else_block: ir::Block,
        /// Whether the `else` arm has started.
        else_seen: bool,
    },
}

/// An open control construct.
#[derive(Clone, Debug)]
pub(crate) struct Frame {
    kind: FrameKind,
    /// Where the construct continues after `end` (takes the results).
    next: ir::Block,
    /// Operand stack height below the construct's parameters.
    stack_height: usize,
    /// Number of loop parameters (the arity of a branch to a loop).
    num_params: usize,
    num_results: usize,
    /// Parameter values of the if (re-pushed for the else arm).
    if_params: Vec<ir::Value>,
    /// Whether any branch or fall-through reaches `next`.
    next_reachable: bool,
}

impl Frame {
    /// The frame of a function body returning `num_results` values through `exit`.
    pub(crate) fn function(exit: ir::Block, num_results: usize) -> Frame {
        Frame {
            kind: FrameKind::Function,
            next: exit,
            stack_height: 0,
            num_params: 0,
            num_results,
            if_params: Vec::new(),
            next_reachable: false,
        }
    }

    /// Arity of a branch to this frame.
    fn branch_arity(&self) -> usize {
        match self.kind {
            FrameKind::Loop { .. } => self.num_params,
            _ => self.num_results,
        }
    }

    /// Block a branch to this frame jumps to.
    fn branch_target(&self) -> ir::Block {
        match self.kind {
            FrameKind::Loop { header } => header,
            _ => self.next,
        }
    }
}

fn block_args(values: &[ir::Value]) -> Vec<BlockArg> {
    values.iter().map(|v| BlockArg::Value(*v)).collect()
}

impl FuncTranslator<'_, '_> {
    fn block_signature(&self, ty: BlockType) -> (Vec<ir::Type>, Vec<ir::Type>) {
        match ty {
            BlockType::Empty => (vec![], vec![]),
            BlockType::Type(t) => (vec![], vec![ir_type(t)]),
            BlockType::FuncType(index) => {
                let f = &self.module.env.types[index as usize];
                (
                    f.params().iter().map(|t| ir_type(*t)).collect(),
                    f.results().iter().map(|t| ir_type(*t)).collect(),
                )
            }
        }
    }

    fn block_with_params(&mut self, tys: &[ir::Type]) -> ir::Block {
        let block = self.builder.create_block();
        for ty in tys {
            self.builder.append_block_param(block, *ty);
        }
        block
    }

    /// Jumps to `target` with `args`.
    fn jump(&mut self, target: ir::Block, args: &[ir::Value]) {
        self.builder.ins().jump(target, &block_args(args));
    }

    /// Marks the frame `depth` levels up as a branch target and returns its target
    /// block and arity.
    fn branch_info(&mut self, depth: u32) -> (ir::Block, usize) {
        let index = self.control.len() - 1 - depth as usize;
        let frame = &mut self.control[index];
        if !matches!(frame.kind, FrameKind::Loop { .. }) {
            frame.next_reachable = true;
        }
        (frame.branch_target(), frame.branch_arity())
    }

    fn switch_to_new_block(&mut self, block: ir::Block) -> Vec<ir::Value> {
        self.builder.switch_to_block(block);
        self.builder.block_params(block).to_vec()
    }

    /// Opens a frame whose `num_params` parameters are on top of the stack.
    fn push_frame(
        &mut self,
        kind: FrameKind,
        next: ir::Block,
        num_params: usize,
        num_results: usize,
        if_params: Vec<ir::Value>,
    ) {
        self.control.push(Frame {
            kind,
            next,
            stack_height: self.stack.len() - num_params,
            num_params,
            num_results,
            if_params,
            next_reachable: false,
        });
    }

    /// Lowers a control operator in reachable code.
    pub(crate) fn translate_control(&mut self, op: &Operator<'_>) -> Result<(), CompileError> {
        match *op {
            Operator::Nop => {}
            Operator::Unreachable => {
                self.builder
                    .ins()
                    .trap(crate::environ::trap_code(Trap::Unreachable));
                self.reachable = false;
            }
            Operator::Drop => {
                self.pop();
            }
            Operator::Select | Operator::TypedSelect { .. } => {
                let (a, b, cond) = self.pop3();
                let v = self.builder.ins().select(cond, a, b);
                self.push(v);
            }
            Operator::Block { blockty } => {
                let (params, results) = self.block_signature(blockty);
                let next = self.block_with_params(&results);
                self.push_frame(
                    FrameKind::Block,
                    next,
                    params.len(),
                    results.len(),
                    Vec::new(),
                );
            }
            Operator::Loop { blockty } => {
                let (params, results) = self.block_signature(blockty);
                let header = self.block_with_params(&params);
                let next = self.block_with_params(&results);
                let args = self.popn(params.len());
                self.jump(header, &args);
                let header_params = self.switch_to_new_block(header);
                self.stack.extend(header_params);
                let kind = FrameKind::Loop { header };
                self.push_frame(kind, next, params.len(), results.len(), Vec::new());
            }
            Operator::If { blockty } => {
                let (params, results) = self.block_signature(blockty);
                let cond = self.pop();
                let then_block = self.builder.create_block();
                let else_block = self.builder.create_block();
                let next = self.block_with_params(&results);
                let if_params = self.stack[self.stack.len() - params.len()..].to_vec();
                self.builder
                    .ins()
                    .brif(cond, then_block, &[], else_block, &[]);
                // Both arms have the brif as their only predecessor.
                self.builder.seal_block(then_block);
                self.builder.seal_block(else_block);
                self.builder.switch_to_block(then_block);
                let kind = FrameKind::If {
                    else_block,
                    else_seen: false,
                };
                self.push_frame(kind, next, params.len(), results.len(), if_params);
            }
            Operator::Else => {
                let frame = self.control.last_mut().expect("else inside if");
                frame.next_reachable = true;
                let (next, n) = (frame.next, frame.num_results);
                let results = self.popn(n);
                self.jump(next, &results);
                self.start_else_arm();
            }
            Operator::End => {
                let frame = self.control.last_mut().expect("end closes a frame");
                frame.next_reachable = true;
                let (next, n) = (frame.next, frame.num_results);
                let results = self.popn(n);
                self.jump(next, &results);
                self.close_frame();
            }
            Operator::Br { relative_depth } => {
                let (target, arity) = self.branch_info(relative_depth);
                let args = self.stack[self.stack.len() - arity..].to_vec();
                self.jump(target, &args);
                self.reachable = false;
            }
            Operator::BrIf { relative_depth } => {
                let cond = self.pop();
                let (target, arity) = self.branch_info(relative_depth);
                let args = block_args(&self.stack[self.stack.len() - arity..]);
                let fallthrough = self.builder.create_block();
                self.builder
                    .ins()
                    .brif(cond, target, &args, fallthrough, &[]);
                self.builder.seal_block(fallthrough);
                self.builder.switch_to_block(fallthrough);
            }
            Operator::BrTable { ref targets } => {
                let index = self.pop();
                let depths: Vec<u32> =
                    targets.targets().collect::<Result<_, _>>().map_err(|e| {
                        CompileError::Invalid {
                            message: e.message().to_string(),
                            offset: e.offset(),
                        }
                    })?;
                let (default, arity) = self.branch_info(targets.default());
                let args = block_args(&self.stack[self.stack.len() - arity..]);
                let default_call = self.builder.func.dfg.block_call(default, &args);
                let mut calls = Vec::with_capacity(depths.len());
                for depth in depths {
                    let (block, _) = self.branch_info(depth);
                    calls.push(self.builder.func.dfg.block_call(block, &args));
                }
                let table = self
                    .builder
                    .create_jump_table(JumpTableData::new(default_call, &calls));
                self.builder.ins().br_table(index, table);
                self.reachable = false;
            }
            Operator::Return => {
                let (target, arity) = self.branch_info(self.control.len() as u32 - 1);
                let args = self.stack[self.stack.len() - arity..].to_vec();
                self.jump(target, &args);
                self.reachable = false;
            }
            _ => unreachable!("not a control operator: {op:?}"),
        }
        Ok(())
    }

    /// Switches from the then arm of the innermost `if` to its else arm.
    fn start_else_arm(&mut self) {
        let frame = self.control.last_mut().expect("else inside if");
        let FrameKind::If {
            else_block,
            ref mut else_seen,
        } = frame.kind
        else {
            unreachable!("validated: else only inside if")
        };
        *else_seen = true;
        self.stack.truncate(frame.stack_height);
        let params = frame.if_params.clone();
        self.builder.switch_to_block(else_block);
        self.stack.extend(params);
        self.reachable = true;
    }

    /// Closes the innermost frame at its `end` (the fall-through was already handled).
    fn close_frame(&mut self) {
        let frame = self.control.pop().expect("end closes a frame");
        self.stack.truncate(frame.stack_height);
        let mut next_reachable = frame.next_reachable;
        if let FrameKind::If {
            else_block,
            else_seen: false,
        } = frame.kind
        {
            // An if without else: the false branch passes the parameters through.
            self.builder.switch_to_block(else_block);
            self.jump(frame.next, &frame.if_params);
            next_reachable = true;
        }
        if let FrameKind::Loop { header } = frame.kind {
            // Every back edge lies inside the loop body, now fully translated.
            self.builder.seal_block(header);
        }
        if next_reachable {
            // Branches to `next` come only from inside the frame: all are known now.
            self.builder.seal_block(frame.next);
            let results = self.switch_to_new_block(frame.next);
            self.stack.extend(results);
            self.reachable = true;
        } else {
            self.reachable = false;
        }
    }

    /// Handles an operator in unreachable code: only block structure matters.
    pub(crate) fn translate_unreachable_operator(
        &mut self,
        op: &Operator<'_>,
    ) -> Result<(), CompileError> {
        match op {
            Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
                self.unreachable_depth += 1;
            }
            Operator::Else if self.unreachable_depth == 0 => self.start_else_arm(),
            Operator::End => {
                if self.unreachable_depth > 0 {
                    self.unreachable_depth -= 1;
                } else {
                    self.close_frame();
                }
            }
            _ => {}
        }
        Ok(())
    }
}
