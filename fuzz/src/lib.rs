//! Fuzz harnesses for ferrograd's shape, stride, broadcast and index arithmetic. They live in a
//! library so that the libFuzzer targets (`fuzz_targets/`) and the stable-Rust replay test
//! (`tests/replay.rs`) run exactly the same code.
//!
//! Every harness decodes arbitrary bytes into operations, runs them through the crate's public
//! API and checks the result against a naive reference written here from the definitions
//! (row-major index arithmetic, NumPy broadcasting, torch's argument rules). A panic anywhere is
//! a finding: either ferrograd panicked instead of returning `Err`, or it disagreed with the
//! reference.

pub mod bytes;
pub mod layout_math;
pub mod reference;
pub mod shape_ops;
pub mod shape_ref;
