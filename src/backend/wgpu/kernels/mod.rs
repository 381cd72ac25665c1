//! WGSL sources for each op, with their constants substituted, and the parameters they read.
//!
//! Each family lives in one file under wgsl/ and has one module here (elementwise, copy,
//! reduce, matmul); an op picks its expression and constants there, and the runtime compiles
//! each distinct source once. This module holds what they share: the element kinds, the strided
//! header and the source assembly. windows.rs splits an op over a tensor larger than one
//! binding into parts.

mod copy;
mod elementwise;
mod matmul;
mod reduce;
mod windows;

pub use copy::{copy, fill, gather, scatter};
pub use elementwise::{binary, binary_bool, compare, masked_grad, ternary, unary, where_cond};
pub use matmul::matmul;
pub use reduce::reduce;

use crate::error::{Error, Result};
use crate::layout::Layout;

const STRIDED: &str = include_str!("../wgsl/strided.wgsl");

/// How an element is stored in a buffer of u32 words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// float32: one word, the f32 bits.
    F32,
    /// bool: one word, 0 or 1.
    Bool,
    /// int32: one word, two's complement (WGSL's i32, so its arithmetic and comparisons run
    /// natively).
    I32,
    /// int64: two words, low then high.
    I64,
}

impl Kind {
    pub fn words(self) -> usize {
        match self {
            Kind::I64 => 2,
            _ => 1,
        }
    }
    fn wgsl(self) -> &'static str {
        match self {
            Kind::F32 => "f32",
            Kind::I32 => "i32",
            _ => "u32",
        }
    }
}

fn u32_of(v: usize, what: &str) -> Result<u32> {
    u32::try_from(v).map_err(|_| {
        Error::Backend(format!("wgpu: {what} {v} does not fit the 32-bit indexing of the GPU kernels"))
    })
}

/// The strided header (see strided.wgsl) for tensors of one shape.
fn strided_params(count: usize, row: u32, p: [u32; 3], layouts: &[&Layout]) -> Result<Vec<u32>> {
    let shape = &layouts[0].shape;
    let mut v = vec![u32_of(count, "element count")?, shape.len() as u32, row, p[0], p[1], p[2], 0, 0, 0];
    for (k, l) in layouts.iter().enumerate() {
        v[6 + k] = u32_of(l.offset, "offset")?;
    }
    for &s in shape.iter() {
        v.push(u32_of(s, "dimension")?);
    }
    for l in layouts {
        for &s in l.strides.iter() {
            v.push(u32_of(s, "stride")?);
        }
    }
    Ok(v)
}

fn all_contiguous(layouts: &[&Layout]) -> bool {
    layouts.iter().all(|l| l.is_contiguous())
}

fn source(family: &str, contig: bool, subs: &[(&str, String)]) -> String {
    let mut s = STRIDED.replace("{{CONTIG}}", if contig { "true" } else { "false" });
    s.push_str(family);
    for (k, v) in subs {
        s = s.replace(k, v);
    }
    s
}
