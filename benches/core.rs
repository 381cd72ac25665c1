//! Criterion benchmarks of the CPU kernels and the backward engine (`cargo bench`).

use _core::autograd::grad;
use _core::{DType, Scalar, Tensor};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

fn randn(shape: &[usize], dtype: DType) -> Tensor {
    Tensor::randn(shape, dtype).expect("randn")
}

fn kernels(c: &mut Criterion) {
    let mut g = c.benchmark_group("elementwise");
    for &n in &[1usize << 10, 1 << 20] {
        let a = randn(&[n], DType::F32);
        let b = randn(&[n], DType::F32);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("add_f32", n), &n, |bch, _| {
            bch.iter(|| black_box(a.add(&b).unwrap()))
        });
        g.bench_with_input(BenchmarkId::new("exp_f32", n), &n, |bch, _| {
            bch.iter(|| black_box(a.exp().unwrap()))
        });
        g.bench_with_input(BenchmarkId::new("tanh_f32", n), &n, |bch, _| {
            bch.iter(|| black_box(a.tanh().unwrap()))
        });
        let t = randn(&[1024, n / 1024], DType::F32).transpose(0, 1).unwrap();
        g.bench_with_input(BenchmarkId::new("add_strided_f32", n), &n, |bch, _| {
            bch.iter(|| black_box(t.add(&t).unwrap()))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("reduce");
    let n = 1usize << 20;
    let a = randn(&[1024, 1024], DType::F32);
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("sum_all_f32", |b| b.iter(|| black_box(a.sum(&[], false).unwrap())));
    g.bench_function("sum_dim0_f32", |b| b.iter(|| black_box(a.sum(&[0], false).unwrap())));
    g.bench_function("softmax_f32", |b| b.iter(|| black_box(a.softmax(-1).unwrap())));
    g.finish();

    let mut g = c.benchmark_group("matmul");
    for &n in &[64usize, 256] {
        for dtype in [DType::F32, DType::F64] {
            let a = randn(&[n, n], dtype);
            let b = randn(&[n, n], dtype);
            g.throughput(Throughput::Elements((2 * n * n * n) as u64));
            g.bench_with_input(BenchmarkId::new(format!("{dtype}"), n), &n, |bch, _| {
                bch.iter(|| black_box(a.matmul(&b).unwrap()))
            });
        }
    }
    // attention's per-head products: many GEMMs each too small to split
    let (q, k) = (randn(&[32, 64, 32], DType::F32), randn(&[32, 32, 64], DType::F32));
    g.bench_function("bmm_32x64x32x64_f32", |bch| bch.iter(|| black_box(q.matmul(&k).unwrap())));
    // a Linear layer on 3-D input: the batch dims fold into one GEMM, forward and backward
    let x = randn(&[32, 64, 256], DType::F32);
    let w = randn(&[256, 128], DType::F32);
    w.set_requires_grad(true).unwrap();
    g.bench_function("linear_3d_32x64x256_128_fwd_bwd_f32", |bch| {
        bch.iter(|| {
            let loss = x.matmul(&w).unwrap().sum(&[], false).unwrap();
            loss.backward(None, false, false).unwrap();
            w.set_grad(None).unwrap();
        })
    });
    g.finish();
}

fn engine(c: &mut Criterion) {
    let mut g = c.benchmark_group("engine");
    g.bench_function("tiny_forward_backward", |b| {
        let x = randn(&[4], DType::F32);
        x.set_requires_grad(true).unwrap();
        b.iter(|| {
            let y = x.mul(&x).unwrap().sum(&[], false).unwrap();
            y.backward(None, false, false).unwrap();
        })
    });
    g.bench_function("chain_2000", |b| {
        let x = Tensor::scalar(Scalar::Float(1.0), DType::F32);
        x.set_requires_grad(true).unwrap();
        b.iter(|| {
            let mut y = x.clone();
            for _ in 0..2000 {
                y = y.mul_scalar(1.0001).unwrap();
            }
            y.backward(None, false, false).unwrap();
        })
    });
    g.bench_function("mlp_step_784_512_512_10_b128", |b| {
        let x = randn(&[128, 784], DType::F32);
        let ws: Vec<Tensor> = [(784, 512), (512, 512), (512, 10)]
            .iter()
            .map(|&(i, o)| {
                let w = randn(&[i, o], DType::F32).mul_scalar(0.05).unwrap();
                w.set_requires_grad(true).unwrap();
                w
            })
            .collect();
        b.iter(|| {
            let h = x.matmul(&ws[0]).unwrap().relu().unwrap();
            let h = h.matmul(&ws[1]).unwrap().relu().unwrap();
            let loss = h.matmul(&ws[2]).unwrap().log_softmax(-1).unwrap().mean(&[], false).unwrap();
            loss.backward(None, false, false).unwrap();
        })
    });
    g.finish();
}

/// relu forward and backward, and the backward alone, on float32: the backward is relu's fused
/// masked gradient (one pass over the gradient and the saved output), once four (compare, not,
/// zeros, where).
fn relu_grad(c: &mut Criterion) {
    let mut g = c.benchmark_group("relu_grad");
    g.sample_size(20);
    for &n in &[1usize << 20, 1 << 24] {
        let x = randn(&[n], DType::F32);
        x.set_requires_grad(true).unwrap();
        let gy = randn(&[n], DType::F32);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("forward_backward_f32", n), &n, |bch, _| {
            bch.iter(|| {
                let y = x.relu().unwrap();
                black_box(
                    grad(&[y], &[Some(gy.clone())], std::slice::from_ref(&x), false, false, false).unwrap(),
                )
            })
        });
        let y = x.relu().unwrap();
        g.bench_with_input(BenchmarkId::new("backward_f32", n), &n, |bch, _| {
            bch.iter(|| {
                black_box(
                    grad(
                        std::slice::from_ref(&y),
                        &[Some(gy.clone())],
                        std::slice::from_ref(&x),
                        true,
                        false,
                        false,
                    )
                    .unwrap(),
                )
            })
        });
    }
    g.finish();
}

criterion_group!(benches, kernels, engine, relu_grad);
criterion_main!(benches);
