//! Every vector level against the scalar level: bitwise where the op is exact, within the ulp
//! bounds of math.rs for exp/log/tanh/sigmoid. AVX-512 cases skip when the CPU lacks it.

use super::{resolve, Level, Simd};
use crate::backend::{BinaryOp, MathOp, UnaryOp};

/// Largest distance from libm these tests accept: the maxima measured in math.rs plus one, since
/// another platform's libm may itself be an ulp away from glibc's.
const EXP_ULP: u64 = 2;
const LOG_ULP: u64 = 2;
const TANH_ULP: u64 = 3;
const SIGMOID_ULP: u64 = 3;

fn scalar() -> Simd {
    Simd::with_level(Level::Scalar).expect("the scalar level always exists")
}

/// The vector levels this CPU runs; says once which ones it skips.
fn vector_levels() -> Vec<Simd> {
    static SKIPPED: std::sync::Once = std::sync::Once::new();
    let levels = [Level::Avx2, Level::Avx512];
    SKIPPED.call_once(|| {
        for l in levels.iter().filter(|l| Simd::with_level(**l).is_none()) {
            eprintln!("simd tests: skipping {} (not supported by this CPU)", l.name());
        }
    });
    levels.into_iter().filter_map(Simd::with_level).collect()
}

/// xorshift64*: reproducible inputs without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform in [lo, hi).
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Mostly ordinary numbers of every magnitude and sign, some special values.
    fn f64_any(&mut self) -> f64 {
        match self.next() % 8 {
            0 => f64::from_bits(self.next()),
            1 => SPECIAL_F64[(self.next() % SPECIAL_F64.len() as u64) as usize],
            _ => self.uniform(-1.0, 1.0) * 2f64.powi((self.next() % 40) as i32 - 20),
        }
    }
    fn f32_any(&mut self) -> f32 {
        match self.next() % 8 {
            0 => f32::from_bits(self.next() as u32),
            1 => SPECIAL_F32[(self.next() % SPECIAL_F32.len() as u64) as usize],
            _ => self.f64_any() as f32,
        }
    }
}

const SPECIAL_F32: [f32; 26] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    2.0,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::NAN,
    -f32::NAN,
    f32::MIN_POSITIVE,
    -f32::MIN_POSITIVE,
    1e-45,
    -1e-45,
    1e-40,
    f32::MAX,
    f32::MIN,
    f32::EPSILON,
    88.72283,
    88.72284,
    -87.33654,
    -103.27893,
    -103.97208,
    -104.0,
    0.625,
    -0.625,
];

const SPECIAL_F64: [f64; 26] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    2.0,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    -f64::NAN,
    f64::MIN_POSITIVE,
    -f64::MIN_POSITIVE,
    5e-324,
    -5e-324,
    1e-310,
    f64::MAX,
    f64::MIN,
    f64::EPSILON,
    709.782712893384,
    709.7827128933841,
    -708.3964185322641,
    -744.4400719213812,
    -745.1332191019411,
    -746.0,
    0.625,
    -0.625,
];

/// Orders floats as integers, so the difference of two is their distance in ulps; -0 sits one
/// step below +0, so a wrong zero sign counts as an error.
fn ord32(x: f32) -> i64 {
    let b = x.to_bits();
    if b >> 31 == 1 {
        -i64::from(b & 0x7fff_ffff) - 1
    } else {
        i64::from(b)
    }
}

fn ord64(x: f64) -> i128 {
    let b = x.to_bits();
    if b >> 63 == 1 {
        -i128::from(b & 0x7fff_ffff_ffff_ffff) - 1
    } else {
        i128::from(b)
    }
}

/// Ulp distance; NaN must meet NaN, an infinity the same infinity and a zero the same zero.
fn ulps32(got: f32, want: f32) -> u64 {
    if want.is_nan() || got.is_nan() {
        return if want.is_nan() && got.is_nan() { 0 } else { u64::MAX };
    }
    if want.is_infinite() || got.is_infinite() || (want == 0.0 && got == 0.0) {
        return if want.to_bits() == got.to_bits() { 0 } else { u64::MAX };
    }
    (ord32(got) - ord32(want)).unsigned_abs()
}

fn ulps64(got: f64, want: f64) -> u64 {
    if want.is_nan() || got.is_nan() {
        return if want.is_nan() && got.is_nan() { 0 } else { u64::MAX };
    }
    if want.is_infinite() || got.is_infinite() || (want == 0.0 && got == 0.0) {
        return if want.to_bits() == got.to_bits() { 0 } else { u64::MAX };
    }
    u64::try_from((ord64(got) - ord64(want)).unsigned_abs()).unwrap_or(u64::MAX)
}

const EXACT_UNARY: [UnaryOp; 9] = [
    UnaryOp::Neg,
    UnaryOp::Abs,
    UnaryOp::Relu,
    UnaryOp::Sqrt,
    UnaryOp::Sign,
    UnaryOp::Clamp { min: Some(-0.5), max: Some(2.0) },
    UnaryOp::Clamp { min: None, max: Some(0.0) },
    // min > max gives max, as torch does.
    UnaryOp::Clamp { min: Some(3.0), max: Some(1.0) },
    UnaryOp::Clamp { min: Some(1e300), max: None },
];

const APPROX_UNARY: [(UnaryOp, u64); 4] = [
    (UnaryOp::Exp, EXP_ULP),
    (UnaryOp::Log, LOG_ULP),
    (UnaryOp::Tanh, TANH_ULP),
    (UnaryOp::Sigmoid, SIGMOID_ULP),
];

const BINARY: [BinaryOp; 6] =
    [BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div, BinaryOp::Maximum, BinaryOp::Minimum];

/// Bit patterns, with every NaN mapped to one: IEEE 754 leaves the sign and payload of a NaN
/// produced by arithmetic unspecified, and x86 picks which NaN operand to propagate by operand
/// order, which the compiler may swap in the scalar loop. (Seen on an Intel Xeon: NaN + -NaN gave
/// +NaN in one path and -NaN in the other.) Every other value must match bit for bit.
fn bits32(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| if x.is_nan() { f32::NAN.to_bits() } else { x.to_bits() }).collect()
}

fn bits64(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| if x.is_nan() { f64::NAN.to_bits() } else { x.to_bits() }).collect()
}

/// Runs `op` on every level over `x` and checks each result against the scalar level's.
fn check_unary_f32(op: UnaryOp, x: &[f32], bound: Option<u64>) -> u64 {
    let mut want = vec![0f32; x.len()];
    assert!(scalar().unary_f32(op, x, &mut want));
    let mut worst = 0;
    for s in vector_levels() {
        let mut got = vec![7f32; x.len()];
        assert!(s.unary_f32(op, x, &mut got), "{op:?} not handled");
        match bound {
            None => assert_eq!(bits32(&got), bits32(&want), "{op:?} f32 {:?} on {x:?}", s.level()),
            Some(b) => {
                for ((&g, &w), &v) in got.iter().zip(&want).zip(x) {
                    let d = ulps32(g, w);
                    assert!(
                        d <= b,
                        "{op:?} f32 {:?}: x={v:e} ({:#x}) got {g:e} want {w:e} ({d} ulp > {b})",
                        s.level(),
                        v.to_bits()
                    );
                    worst = worst.max(d);
                }
            }
        }
    }
    worst
}

fn check_unary_f64(op: UnaryOp, x: &[f64], bound: Option<u64>) -> u64 {
    let mut want = vec![0f64; x.len()];
    assert!(scalar().unary_f64(op, x, &mut want));
    let mut worst = 0;
    for s in vector_levels() {
        let mut got = vec![7f64; x.len()];
        assert!(s.unary_f64(op, x, &mut got), "{op:?} not handled");
        match bound {
            None => assert_eq!(bits64(&got), bits64(&want), "{op:?} f64 {:?} on {x:?}", s.level()),
            Some(b) => {
                for ((&g, &w), &v) in got.iter().zip(&want).zip(x) {
                    let d = ulps64(g, w);
                    assert!(
                        d <= b,
                        "{op:?} f64 {:?}: x={v:e} ({:#x}) got {g:e} want {w:e} ({d} ulp > {b})",
                        s.level(),
                        v.to_bits()
                    );
                    worst = worst.max(d);
                }
            }
        }
    }
    worst
}

/// Slices of every length 0..67 at a few start offsets, so remainder loops and unaligned
/// starts both run.
fn odd_slices<T: Copy>(pool: &[T], mut f: impl FnMut(&[T])) {
    for len in 0..68 {
        for start in [0, 1, 3, 7] {
            f(&pool[start..start + len]);
        }
    }
}

#[test]
fn simd_exact_unary_ops_match_scalar_bitwise() {
    let mut rng = Rng(0x1234_5678);
    let p32: Vec<f32> = SPECIAL_F32.iter().copied().chain((0..2000).map(|_| rng.f32_any())).collect();
    let p64: Vec<f64> = SPECIAL_F64.iter().copied().chain((0..2000).map(|_| rng.f64_any())).collect();
    for op in EXACT_UNARY {
        check_unary_f32(op, &p32, None);
        check_unary_f64(op, &p64, None);
        odd_slices(&p32, |x| {
            check_unary_f32(op, x, None);
        });
        odd_slices(&p64, |x| {
            check_unary_f64(op, x, None);
        });
    }
}

#[test]
fn simd_binary_ops_match_scalar_bitwise() {
    let mut rng = Rng(0x9e37_79b9);
    // Every pair of special values, then random pairs.
    let (mut a32, mut b32) = (Vec::new(), Vec::new());
    for &x in &SPECIAL_F32 {
        for &y in &SPECIAL_F32 {
            a32.push(x);
            b32.push(y);
        }
    }
    let (mut a64, mut b64) = (Vec::new(), Vec::new());
    for &x in &SPECIAL_F64 {
        for &y in &SPECIAL_F64 {
            a64.push(x);
            b64.push(y);
        }
    }
    for _ in 0..2000 {
        a32.push(rng.f32_any());
        b32.push(rng.f32_any());
        a64.push(rng.f64_any());
        b64.push(rng.f64_any());
    }
    let n32 = a32.len();
    let n64 = a64.len();
    for op in BINARY {
        let mut want32 = vec![0f32; n32];
        let mut want64 = vec![0f64; n64];
        assert!(scalar().binary_f32(op, &a32, &b32, &mut want32));
        assert!(scalar().binary_f64(op, &a64, &b64, &mut want64));
        for s in vector_levels() {
            let mut got32 = vec![7f32; n32];
            let mut got64 = vec![7f64; n64];
            assert!(s.binary_f32(op, &a32, &b32, &mut got32));
            assert!(s.binary_f64(op, &a64, &b64, &mut got64));
            assert_eq!(bits32(&got32), bits32(&want32), "{op:?} f32 {:?}", s.level());
            assert_eq!(bits64(&got64), bits64(&want64), "{op:?} f64 {:?}", s.level());
            for len in 0..68 {
                for start in [0, 5] {
                    let r = start..start + len;
                    let mut g = vec![7f32; len];
                    assert!(s.binary_f32(op, &a32[r.clone()], &b32[r.clone()], &mut g));
                    assert_eq!(bits32(&g), bits32(&want32[r.clone()]), "{op:?} len {len}");
                    let mut g = vec![7f64; len];
                    assert!(s.binary_f64(op, &a64[r.clone()], &b64[r.clone()], &mut g));
                    assert_eq!(bits64(&g), bits64(&want64[r.clone()]), "{op:?} len {len}");
                }
            }
        }
    }
}

#[test]
fn simd_scalar_operand_forms_match_scalar_bitwise() {
    let mut rng = Rng(42);
    let x32: Vec<f32> = SPECIAL_F32.iter().copied().chain((0..200).map(|_| rng.f32_any())).collect();
    let x64: Vec<f64> = SPECIAL_F64.iter().copied().chain((0..200).map(|_| rng.f64_any())).collect();
    for op in BINARY {
        for (&s32, &s64) in SPECIAL_F32.iter().zip(&SPECIAL_F64) {
            for len in [0, 1, 7, 8, 9, 31, 33, x32.len()] {
                let x = &x32[..len];
                let mut want = vec![0f32; len];
                let mut want_l = vec![0f32; len];
                assert!(scalar().binary_scalar_rhs_f32(op, x, s32, &mut want));
                assert!(scalar().binary_scalar_lhs_f32(op, s32, x, &mut want_l));
                let y = &x64[..len];
                let mut want64 = vec![0f64; len];
                let mut want64_l = vec![0f64; len];
                assert!(scalar().binary_scalar_rhs_f64(op, y, s64, &mut want64));
                assert!(scalar().binary_scalar_lhs_f64(op, s64, y, &mut want64_l));
                for s in vector_levels() {
                    let mut g = vec![7f32; len];
                    assert!(s.binary_scalar_rhs_f32(op, x, s32, &mut g));
                    assert_eq!(bits32(&g), bits32(&want), "{op:?} rhs {s32}");
                    assert!(s.binary_scalar_lhs_f32(op, s32, x, &mut g));
                    assert_eq!(bits32(&g), bits32(&want_l), "{op:?} lhs {s32}");
                    let mut g = vec![7f64; len];
                    assert!(s.binary_scalar_rhs_f64(op, y, s64, &mut g));
                    assert_eq!(bits64(&g), bits64(&want64), "{op:?} rhs {s64}");
                    assert!(s.binary_scalar_lhs_f64(op, s64, y, &mut g));
                    assert_eq!(bits64(&g), bits64(&want64_l), "{op:?} lhs {s64}");
                }
            }
        }
    }
}

#[test]
fn simd_handles_exactly_the_ops_with_a_kernel() {
    // (op, whether it has a vector kernel): what the op enums of ops.rs are expected to map
    let ops = [
        (UnaryOp::Neg, true),
        (UnaryOp::Exp, true),
        (UnaryOp::Log, true),
        (UnaryOp::Sqrt, true),
        (UnaryOp::Math(MathOp::Sin, [0.0; 3]), false),
        (UnaryOp::Math(MathOp::Cos, [0.0; 3]), false),
        (UnaryOp::Tanh, true),
        (UnaryOp::Sigmoid, true),
        (UnaryOp::Relu, true),
        (UnaryOp::Abs, true),
        (UnaryOp::Sign, true),
        (UnaryOp::Clamp { min: Some(0.0), max: None }, true),
        (UnaryOp::BitwiseNot, false),
        (UnaryOp::LeakyRelu { slope: 0.1 }, false),
        (UnaryOp::Silu, false),
        (UnaryOp::Elu { alpha: 1.0 }, false),
        (UnaryOp::Math(MathOp::Erf, [0.0; 3]), false),
        (UnaryOp::Gelu { tanh: false }, false),
        (UnaryOp::Gelu { tanh: true }, false),
    ];
    for s in std::iter::once(scalar()).chain(vector_levels()) {
        for (op, has_kernel) in ops {
            assert_eq!(s.unary(op).is_some(), has_kernel, "{op:?}");
            let x = [0.5f32; 19];
            let mut out = [0f32; 19];
            assert_eq!(s.unary_f32(op, &x, &mut out), has_kernel, "{op:?} f32 at {:?}", s.level());
            let y = [0.5f64; 19];
            let mut out = [0f64; 19];
            assert_eq!(s.unary_f64(op, &y, &mut out), has_kernel, "{op:?} f64 at {:?}", s.level());
        }
    }
}

/// A kernel handle writes all of `out` or panics: `kernels.rs` hands it uninitialised memory.
#[test]
#[should_panic(expected = "lengths differ")]
fn simd_kernel_panics_on_mismatched_lengths() {
    let k = Simd::get().binary(BinaryOp::Add).expect("add has a kernel");
    let mut out = [0f32; 3];
    k.run(&[1f32, 2.0, 3.0], &[1f32, 2.0], &mut out);
}

#[test]
fn simd_refuses_unhandled_ops_and_mismatched_lengths() {
    let levels = std::iter::once(scalar()).chain(vector_levels());
    for s in levels {
        let x = [1f32, 2.0, 3.0];
        let mut out = [7f32; 3];
        assert!(!s.unary_f32(UnaryOp::Math(MathOp::Sin, [0.0; 3]), &x, &mut out));
        assert!(!s.unary_f32(UnaryOp::Math(MathOp::Cos, [0.0; 3]), &x, &mut out));
        assert!(!s.binary_f32(BinaryOp::Pow, &x, &x, &mut out));
        assert!(!s.binary_scalar_rhs_f32(BinaryOp::Pow, &x, 2.0, &mut out));
        assert!(!s.unary_f32(UnaryOp::Exp, &x[..2], &mut out));
        assert!(!s.binary_f32(BinaryOp::Add, &x, &x[..2], &mut out));
        assert!(!s.binary_scalar_lhs_f32(BinaryOp::Add, 1.0, &x[..1], &mut out));
        assert_eq!(out, [7.0; 3], "{:?} wrote on refusal", s.level());
        let y = [1f64, 2.0];
        let mut out = [7f64; 2];
        assert!(!s.unary_f64(UnaryOp::Math(MathOp::Sin, [0.0; 3]), &y, &mut out));
        assert!(!s.binary_f64(BinaryOp::Pow, &y, &y, &mut out));
        assert!(!s.binary_f64(BinaryOp::Mul, &y, &y[..1], &mut out));
        assert_eq!(out, [7.0; 2]);
    }
}

/// Inputs for the approximate functions: a stride through every f32 bit pattern (all binades,
/// both signs, NaN and inf), a dense grid over each function's interesting range, and specials.
fn approx_inputs_f32(lo: f32, hi: f32, stride: usize) -> Vec<f32> {
    let mut v: Vec<f32> = SPECIAL_F32.to_vec();
    v.extend((0..=u32::MAX).step_by(stride).map(f32::from_bits));
    let n = 200_000;
    v.extend((0..=n).map(|i| lo + (hi - lo) * (i as f32 / n as f32)));
    // Around the overflow/underflow thresholds of exp, bit by bit.
    for c in [88.72283f32, -87.33654, -103.27893, -103.97208] {
        let b = c.to_bits();
        v.extend((b - 2000..b + 2000).map(f32::from_bits));
    }
    v
}

fn approx_inputs_f64(rng: &mut Rng, lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let mut v: Vec<f64> = SPECIAL_F64.to_vec();
    v.extend((0..n).map(|_| f64::from_bits(rng.next())));
    v.extend((0..n).map(|_| rng.uniform(lo, hi)));
    v.extend((0..n / 4).map(|_| rng.uniform(-1.0, 1.0)));
    v.extend((0..n / 4).map(|_| rng.uniform(-1.0, 1.0) * 2f64.powi(-((rng.next() % 1000) as i32))));
    for c in [709.782712893384f64, -708.3964185322641, -744.4400719213812, -745.1332191019411] {
        let b = c.to_bits();
        v.extend((b - 2000..b + 2000).map(f64::from_bits));
    }
    v
}

/// The range over which each function is worth sweeping densely.
fn dense_range(op: UnaryOp) -> (f64, f64) {
    match op {
        UnaryOp::Exp => (-760.0, 720.0),
        UnaryOp::Log => (0.0, 4.0),
        UnaryOp::Tanh => (-20.0, 20.0),
        _ => (-760.0, 40.0),
    }
}

#[test]
fn simd_exp_log_tanh_sigmoid_within_ulp_bounds() {
    let mut rng = Rng(7);
    for (op, bound) in APPROX_UNARY {
        let (lo, hi) = dense_range(op);
        let (lo32, hi32) = (lo.max(-110.0) as f32, hi.min(100.0) as f32);
        let w32 = check_unary_f32(op, &approx_inputs_f32(lo32, hi32, 4099), Some(bound));
        let w64 = check_unary_f64(op, &approx_inputs_f64(&mut rng, lo, hi, 300_000), Some(bound));
        eprintln!("{op:?}: max {w32} ulp (f32), {w64} ulp (f64)");
        // Odd lengths: each element gets the full-width answer wherever it sits.
        let p32 = approx_inputs_f32(lo32, hi32, 1 << 24);
        let p64 = approx_inputs_f64(&mut rng, lo, hi, 300);
        odd_slices(&p32, |x| {
            check_unary_f32(op, x, Some(bound));
        });
        odd_slices(&p64, |x| {
            check_unary_f64(op, x, Some(bound));
        });
    }
}

/// Every f32 input, in release mode: `cargo test --release simd_exhaustive -- --ignored`.
#[test]
#[ignore = "slow: every f32 bit pattern, run in release mode"]
fn simd_exhaustive_f32_ulp() {
    for (op, bound) in APPROX_UNARY {
        let mut worst = 0;
        let mut x = vec![0f32; 1 << 20];
        for block in 0..(1u64 << 12) {
            for (i, v) in x.iter_mut().enumerate() {
                *v = f32::from_bits(((block << 20) | i as u64) as u32);
            }
            worst = worst.max(check_unary_f32(op, &x, Some(bound)));
        }
        eprintln!("{op:?} f32: max {worst} ulp over all inputs");
    }
}

/// 40M f64 inputs per function, in release mode: `cargo test --release simd_many -- --ignored`.
#[test]
#[ignore = "slow: 40M f64 inputs per function, run in release mode"]
fn simd_many_f64_ulp() {
    let mut rng = Rng(2024);
    for (op, bound) in APPROX_UNARY {
        let (lo, hi) = dense_range(op);
        let mut worst = 0;
        for _ in 0..40 {
            worst =
                worst.max(check_unary_f64(op, &approx_inputs_f64(&mut rng, lo, hi, 400_000), Some(bound)));
        }
        eprintln!("{op:?} f64: max {worst} ulp");
    }
}

/// Twice-the-precision reference sum (Neumaier), good to about 2^-106 relative.
fn reference_sum(x: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut s, mut c, mut abs) = (0f64, 0f64, 0f64);
    for v in x {
        let t = s + v;
        c += if s.abs() >= v.abs() { (s - t) + v } else { (v - t) + s };
        s = t;
        abs += v.abs();
    }
    (s + c, abs)
}

#[test]
fn simd_sums_within_bound_of_exact() {
    let mut rng = Rng(99);
    let levels: Vec<Simd> = std::iter::once(scalar()).chain(vector_levels()).collect();
    let mut lens: Vec<usize> = (0..68).collect();
    lens.extend([1000, 4095, 4096, 4097, 8192 + 17, 100_003, 1 << 20]);
    for &n in &lens {
        // Mixed signs and magnitudes make cancellation, the hard case for a sum.
        let x64: Vec<f64> =
            (0..n).map(|_| rng.uniform(-1.0, 1.0) * 2f64.powi((rng.next() % 30) as i32 - 10)).collect();
        let x32: Vec<f32> = x64.iter().map(|&v| v as f32).collect();
        let (r32, abs32) = reference_sum(x32.iter().map(|&v| f64::from(v)));
        let (r64, abs64) = reference_sum(x64.iter().copied());
        // The documented bound, (4096/lanes + log2 lanes + log2(n/4096) + 1) u sum|x|, for the
        // scalar level's single lane; the vector levels are well inside it.
        let blocks = n.div_ceil(4096).max(1) as f64;
        let bound = |abs: f64| (4096.0 + 2.0 + blocks.log2().ceil()) * f64::EPSILON / 2.0 * abs;
        for &s in &levels {
            let (g32, g64) = (s.sum_f32(&x32), s.sum_f64(&x64));
            assert!((g32 - r32).abs() <= bound(abs32), "{:?} f32 n={n}", s.level());
            assert!((g64 - r64).abs() <= bound(abs64), "{:?} f64 n={n}", s.level());
            if s.level() != Level::Scalar {
                let tight = |abs: f64| (256.0 + 8.0 + blocks.log2().ceil()) * f64::EPSILON * abs;
                assert!((g32 - r32).abs() <= tight(abs32), "{:?} f32 n={n}", s.level());
                assert!((g64 - r64).abs() <= tight(abs64), "{:?} f64 n={n}", s.level());
            }
        }
    }
    // Specials: inf and NaN propagate, an empty sum is 0.
    for s in levels {
        assert_eq!(s.sum_f32(&[]), 0.0);
        assert_eq!(s.sum_f32(&[1.0, f32::INFINITY, 2.0]), f64::INFINITY);
        assert!(s.sum_f64(&[f64::INFINITY, f64::NEG_INFINITY]).is_nan());
        let mut v = vec![1f32; 100];
        v[77] = f32::NAN;
        assert!(s.sum_f32(&v).is_nan());
    }
}

/// The scalar reducer's rule (reduce.rs arg_extreme): the first NaN, else the first element
/// equal to the extreme; 0 when empty.
fn expected_extreme<T: num_traits::Float>(x: &[T], want_max: bool) -> T {
    let mut best: Option<T> = None;
    for &v in x {
        best = match best {
            None => Some(v),
            Some(b) => {
                let better = !b.is_nan() && (v.is_nan() || if want_max { v > b } else { v < b });
                Some(if better { v } else { b })
            }
        };
    }
    best.unwrap_or_else(T::zero)
}

#[test]
fn simd_max_min_pick_the_scalar_reducers_element() {
    let mut rng = Rng(5);
    let levels: Vec<Simd> = std::iter::once(scalar()).chain(vector_levels()).collect();
    let mut cases32: Vec<Vec<f32>> = Vec::new();
    let mut cases64: Vec<Vec<f64>> = Vec::new();
    for n in (0..68).chain([1000, 4099]) {
        cases32.push((0..n).map(|_| rng.f32_any()).collect());
        cases64.push((0..n).map(|_| rng.f64_any()).collect());
        // No NaN, signed zeros as the extreme, and infinities.
        let zeros = [0.0, -0.0];
        cases32
            .push((0..n).map(|i| -(rng.uniform(0.0, 1.0) as f32) * (i % 3) as f32 + zeros[i % 2]).collect());
        cases64.push((0..n).map(|i| if i % 2 == 0 { -0.0 } else { 0.0 }).collect());
        cases64.push((0..n).map(|_| rng.uniform(-1e300, 1e300)).collect());
        cases32.push((0..n).map(|i| f32::NEG_INFINITY + i as f32).collect());
    }
    let mut nan_late = vec![1f32; 300];
    nan_late[299] = f32::from_bits(0x7fc0_1234);
    nan_late[150] = f32::from_bits(0xffc0_0042);
    cases32.push(nan_late);
    cases32.push(vec![f32::NAN; 40]);
    for x in &cases32 {
        for s in &levels {
            let (mx, mn) = (s.max_f32(x), s.min_f32(x));
            assert_eq!(mx.to_bits(), expected_extreme(x, true).to_bits(), "{x:?}");
            assert_eq!(mn.to_bits(), expected_extreme(x, false).to_bits(), "{x:?}");
        }
    }
    for x in &cases64 {
        for s in &levels {
            let (mx, mn) = (s.max_f64(x), s.min_f64(x));
            assert_eq!(mx.to_bits(), expected_extreme(x, true).to_bits(), "{x:?}");
            assert_eq!(mn.to_bits(), expected_extreme(x, false).to_bits(), "{x:?}");
        }
    }
}

#[test]
fn simd_level_names_and_detection() {
    assert_eq!(Level::from_name("AVX2"), Some(Level::Avx2));
    assert_eq!(Level::from_name(" scalar "), Some(Level::Scalar));
    assert_eq!(Level::from_name("avx512"), Some(Level::Avx512));
    assert_eq!(Level::from_name("sse9"), None);
    // FERROGRAD_SIMD only ever lowers the level.
    assert_eq!(resolve(Level::Avx512, Some("avx2")), Level::Avx2);
    assert_eq!(resolve(Level::Avx2, Some("avx512")), Level::Avx2);
    assert_eq!(resolve(Level::Avx2, Some("scalar")), Level::Scalar);
    assert_eq!(resolve(Level::Avx2, Some("bogus")), Level::Avx2);
    assert_eq!(resolve(Level::Avx2, None), Level::Avx2);
    let best = Level::best_supported();
    assert!(Simd::get().level() <= best);
    assert!(Simd::with_level(best).is_some());
    assert!(Simd::with_level(Level::Scalar).is_some());
    eprintln!("simd: best level {}, active {}", best.name(), Simd::get().level().name());
}
