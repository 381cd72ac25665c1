//! Runs the fuzz harnesses without libFuzzer, on stable Rust: every committed seed and
//! regression input (`fuzz/seeds/<target>/`), every input of a local corpus
//! (`fuzz/corpus/<target>/`, if a fuzzing run left one) and a fixed batch of pseudo-random
//! inputs. `cargo test` in fuzz/ is the regression check; scripts/fuzz_rust.sh does the fuzzing.

use std::path::Path;

type Harness = fn(&[u8]);

const TARGETS: [(&str, Harness); 2] =
    [("shape_ops", ferrograd_fuzz::shape_ops::run), ("layout_math", ferrograd_fuzz::layout_math::run)];

/// Inputs from one directory, or none if it does not exist.
fn inputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else { return vec![] };
    let mut out: Vec<(String, Vec<u8>)> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| (e.path().display().to_string(), std::fs::read(e.path()).expect("readable input")))
        .collect();
    out.sort();
    out
}

#[test]
fn seeds_and_corpus_replay() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (name, run) in TARGETS {
        let mut files = inputs(&root.join("seeds").join(name));
        files.extend(inputs(&root.join("corpus").join(name)));
        for (path, data) in &files {
            eprintln!("replaying {path}");
            run(data);
        }
        eprintln!("{name}: replayed {} inputs", files.len());
    }
}

#[test]
fn pseudo_random_inputs() {
    // xorshift64*: a fixed sequence, so a failure here reproduces on every machine.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let n: usize = std::env::var("FUZZ_REPLAY_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(3000);
    for (name, run) in TARGETS {
        for case in 0..n {
            let len = (next() % 160) as usize;
            let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let hex: String = data.iter().map(|b| format!("{b:02x}")).collect();
            let outcome = std::panic::catch_unwind(|| run(&data));
            assert!(outcome.is_ok(), "{name}: pseudo-random case {case} failed; input (hex): {hex}");
        }
    }
}
