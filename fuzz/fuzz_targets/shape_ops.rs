//! libFuzzer entry point for the `shape_ops` harness (see `ferrograd_fuzz::shape_ops`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ferrograd_fuzz::shape_ops::run(data));
