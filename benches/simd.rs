//! Criterion benchmarks of the SIMD kernels (`cargo bench --bench simd`): every op on 1M
//! elements, the scalar level against each vector level this CPU runs.

use _core::backend::cpu::simd::{Level, Simd};
use _core::backend::{BinaryOp, UnaryOp};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;

const N: usize = 1 << 20;

/// Scalar first, then the vector levels the CPU supports.
fn levels() -> Vec<Simd> {
    [Level::Scalar, Level::Avx2, Level::Avx512].into_iter().filter_map(Simd::with_level).collect()
}

/// Deterministic values in [lo, hi) (a linear congruential walk; quality does not matter here).
fn data<T: From<f32>>(lo: f32, hi: f32) -> Vec<T> {
    let mut s = 0x2545_f491u32;
    (0..N)
        .map(|_| {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            T::from(lo + (hi - lo) * (s >> 8) as f32 / (1u32 << 24) as f32)
        })
        .collect()
}

fn unary(c: &mut Criterion) {
    let ops = [
        ("neg", UnaryOp::Neg, -10.0, 10.0),
        ("abs", UnaryOp::Abs, -10.0, 10.0),
        ("relu", UnaryOp::Relu, -10.0, 10.0),
        ("sqrt", UnaryOp::Sqrt, 0.0, 100.0),
        ("exp", UnaryOp::Exp, -10.0, 10.0),
        ("log", UnaryOp::Log, 0.001, 100.0),
        ("tanh", UnaryOp::Tanh, -5.0, 5.0),
        ("sigmoid", UnaryOp::Sigmoid, -10.0, 10.0),
    ];
    for (name, op, lo, hi) in ops {
        let mut g = c.benchmark_group(format!("unary/{name}"));
        g.throughput(Throughput::Elements(N as u64));
        let x32: Vec<f32> = data(lo, hi);
        let x64: Vec<f64> = data(lo, hi);
        let mut o32 = vec![0f32; N];
        let mut o64 = vec![0f64; N];
        for s in levels() {
            g.bench_function(BenchmarkId::new("f32", s.level().name()), |b| {
                b.iter(|| s.unary_f32(op, black_box(&x32), &mut o32))
            });
            g.bench_function(BenchmarkId::new("f64", s.level().name()), |b| {
                b.iter(|| s.unary_f64(op, black_box(&x64), &mut o64))
            });
        }
        g.finish();
    }
}

fn binary(c: &mut Criterion) {
    let a: Vec<f32> = data(-10.0, 10.0);
    let b: Vec<f32> = data(0.5, 10.0);
    let a64: Vec<f64> = data(-10.0, 10.0);
    let b64: Vec<f64> = data(0.5, 10.0);
    let mut o = vec![0f32; N];
    let mut o64 = vec![0f64; N];
    let ops = [
        ("add", BinaryOp::Add),
        ("mul", BinaryOp::Mul),
        ("div", BinaryOp::Div),
        ("maximum", BinaryOp::Maximum),
    ];
    for (name, op) in ops {
        let mut g = c.benchmark_group(format!("binary/{name}"));
        g.throughput(Throughput::Elements(N as u64));
        for s in levels() {
            g.bench_function(BenchmarkId::new("f32", s.level().name()), |bch| {
                bch.iter(|| s.binary_f32(op, black_box(&a), black_box(&b), &mut o))
            });
            g.bench_function(BenchmarkId::new("f64", s.level().name()), |bch| {
                bch.iter(|| s.binary_f64(op, black_box(&a64), black_box(&b64), &mut o64))
            });
        }
        g.finish();
    }
    let mut g = c.benchmark_group("binary/scalar_operand");
    g.throughput(Throughput::Elements(N as u64));
    for s in levels() {
        g.bench_function(BenchmarkId::new("x*2_f32", s.level().name()), |bch| {
            bch.iter(|| s.binary_scalar_rhs_f32(BinaryOp::Mul, black_box(&a), 2.0, &mut o))
        });
        g.bench_function(BenchmarkId::new("1-y_f32", s.level().name()), |bch| {
            bch.iter(|| s.binary_scalar_lhs_f32(BinaryOp::Sub, 1.0, black_box(&a), &mut o))
        });
    }
    g.finish();
}

fn reduce(c: &mut Criterion) {
    let x: Vec<f32> = data(-10.0, 10.0);
    let x64: Vec<f64> = data(-10.0, 10.0);
    let mut g = c.benchmark_group("reduce");
    g.throughput(Throughput::Elements(N as u64));
    for s in levels() {
        let l = s.level().name();
        g.bench_function(BenchmarkId::new("sum_f32", l), |b| b.iter(|| s.sum_f32(black_box(&x))));
        g.bench_function(BenchmarkId::new("sum_f64", l), |b| b.iter(|| s.sum_f64(black_box(&x64))));
        g.bench_function(BenchmarkId::new("max_f32", l), |b| b.iter(|| s.max_f32(black_box(&x))));
        g.bench_function(BenchmarkId::new("min_f64", l), |b| b.iter(|| s.min_f64(black_box(&x64))));
    }
    // What the reducer does today: one f64 accumulator, element by element.
    g.bench_function(BenchmarkId::new("sum_f32", "plain_f64_loop"), |b| {
        b.iter(|| black_box(&x).iter().map(|&v| f64::from(v)).sum::<f64>())
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20)
}

criterion_group! {
    name = benches;
    config = config();
    targets = unary, binary, reduce
}
criterion_main!(benches);
