//! libFuzzer entry point for the `layout_math` harness (see `ferrograd_fuzz::layout_math`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ferrograd_fuzz::layout_math::run(data));
