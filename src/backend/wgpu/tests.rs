//! The wgpu kernels against the CPU kernels on the same data (skipped, saying so, when no
//! adapter can be created; CI has Mesa's software Vulkan driver).

use crate::{DType, Device, Tensor};

fn gpu() -> bool {
    match super::context::get() {
        Ok(c) => {
            eprintln!("wgpu tests on {}", c.describe());
            true
        }
        Err(e) => {
            eprintln!("skipping wgpu tests: {e}");
            false
        }
    }
}

fn on_gpu(t: &Tensor) -> Tensor {
    t.to_device(Device::Wgpu).unwrap()
}

fn close(gpu: &Tensor, cpu: &Tensor, tol: f64) {
    assert_eq!(gpu.device(), Device::Wgpu);
    assert_eq!(gpu.shape(), cpu.shape());
    let (a, b) = (gpu.to_f64_vec().unwrap(), cpu.to_f64_vec().unwrap());
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        let ok = (x.is_nan() && y.is_nan()) || (x - y).abs() <= tol * (1.0 + y.abs());
        assert!(ok, "element {i}: gpu {x} vs cpu {y}");
    }
}

#[test]
fn elementwise_on_strided_and_broadcast_inputs() {
    if !gpu() {
        return;
    }
    crate::tensor::rng::manual_seed(1);
    let a = Tensor::randn(&[33, 17], DType::F32).unwrap();
    let b = Tensor::randn(&[17], DType::F32).unwrap();
    let (ga, gb) = (on_gpu(&a), on_gpu(&b));
    let at = a.t().unwrap();
    let gat = ga.t().unwrap();
    close(&gat.mul(&gat).unwrap(), &at.mul(&at).unwrap(), 1e-6);
    close(&ga.add(&gb).unwrap(), &a.add(&b).unwrap(), 1e-6);
    close(&ga.exp().unwrap().tanh().unwrap(), &a.exp().unwrap().tanh().unwrap(), 1e-5);
    close(&ga.pow(&gb).unwrap(), &a.pow(&b).unwrap(), 1e-4);
    close(&ga.gt(&gb).unwrap(), &a.gt(&b).unwrap(), 0.0);
    let big = Tensor::from_vec(vec![-100.0f32, -20.0, 0.0, 20.0, 100.0, f32::NAN], &[6]).unwrap();
    close(&on_gpu(&big).tanh().unwrap(), &big.tanh().unwrap(), 1e-6);
    close(&on_gpu(&big).sigmoid().unwrap(), &big.sigmoid().unwrap(), 1e-6);
}

#[test]
fn reductions_match_including_split_rows_nan_and_ties() {
    if !gpu() {
        return;
    }
    crate::tensor::rng::manual_seed(2);
    // A long row is split over workgroups and finished by a second pass.
    let long = Tensor::randn(&[2, 300_000], DType::F32).unwrap();
    close(&on_gpu(&long).sum(&[1], false).unwrap(), &long.sum(&[1], false).unwrap(), 1e-4);
    let x = Tensor::randn(&[40, 50], DType::F32).unwrap();
    let gx = on_gpu(&x);
    close(&gx.sum(&[0], false).unwrap(), &x.sum(&[0], false).unwrap(), 1e-5);
    close(&gx.argmax(Some(1), false).unwrap(), &x.argmax(Some(1), false).unwrap(), 0.0);
    // Ties take the first index; NaN wins.
    let t = Tensor::from_vec(vec![1.0f32, 3.0, 3.0, 2.0, f32::NAN, 5.0, f32::NAN], &[7]).unwrap();
    let g = on_gpu(&t);
    assert_eq!(g.narrow(0, 0, 4).unwrap().argmax(None, false).unwrap().to_vec::<i64>().unwrap(), vec![1]);
    close(&g.argmax(None, false).unwrap(), &t.argmax(None, false).unwrap(), 0.0);
    close(&g.max_dim(0, false).unwrap().0, &t.max_dim(0, false).unwrap().0, 0.0);
}

#[test]
fn matmul_batched_transposed_and_ragged() {
    if !gpu() {
        return;
    }
    crate::tensor::rng::manual_seed(3);
    for (m, k, n) in [(1, 1, 1), (5, 7, 3), (130, 70, 257), (300, 260, 290)] {
        let a = Tensor::randn(&[m, k], DType::F32).unwrap();
        let b = Tensor::randn(&[n, k], DType::F32).unwrap();
        let want = a.matmul(&b.t().unwrap()).unwrap();
        close(&on_gpu(&a).matmul(&on_gpu(&b).t().unwrap()).unwrap(), &want, 1e-4);
    }
    // Enough 128 x 128 tiles for the big-tile kernel, ragged at both edges.
    let a = Tensor::randn(&[64, 129, 20], DType::F32).unwrap();
    let b = Tensor::randn(&[64, 20, 131], DType::F32).unwrap();
    close(&on_gpu(&a).matmul(&on_gpu(&b)).unwrap(), &a.matmul(&b).unwrap(), 1e-4);
    let a = Tensor::randn(&[3, 1, 9, 4], DType::F32).unwrap();
    let b = Tensor::randn(&[2, 4, 6], DType::F32).unwrap();
    close(&on_gpu(&a).matmul(&on_gpu(&b)).unwrap(), &a.matmul(&b).unwrap(), 1e-5);
}

#[test]
fn casts_fill_gather_and_scatter_add() {
    if !gpu() {
        return;
    }
    let big = Tensor::from_vec(vec![-(1i64 << 40) - 3, -1, 0, 7, (1 << 33) + 5], &[5]).unwrap();
    let g = on_gpu(&big);
    assert_eq!(g.to_vec::<i64>().unwrap(), big.to_vec::<i64>().unwrap());
    let f = Tensor::from_vec(vec![-3.7f32, -0.5, 0.0, 2.9, 1e10], &[5]).unwrap();
    let gf = on_gpu(&f);
    assert_eq!(
        gf.to_dtype(DType::I64).unwrap().to_vec::<i64>().unwrap(),
        f.to_dtype(DType::I64).unwrap().to_vec::<i64>().unwrap()
    );
    assert_eq!(
        gf.to_dtype(DType::Bool).unwrap().to_vec::<bool>().unwrap(),
        vec![true, true, false, true, true]
    );
    close(&g.to_dtype(DType::F32).unwrap(), &big.to_dtype(DType::F32).unwrap(), 1e-7);
    let z = Tensor::full(&[4], 2.5, DType::F32, Device::Wgpu).unwrap();
    assert_eq!(z.to_vec::<f32>().unwrap(), vec![2.5; 4]);
    // Repeated offsets add up.
    let src = on_gpu(&Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], &[4]).unwrap());
    let dst = Tensor::full(&[3], 0.0, DType::F32, Device::Wgpu).unwrap();
    use crate::backend::BackendStorage;
    dst.storage().data().scatter(&[2, 0, 2, 2], src.storage().data(), src.layout(), true).unwrap();
    assert_eq!(dst.to_vec::<f32>().unwrap(), vec![2.0, 0.0, 8.0]);
    assert_eq!(dst.storage().data().gather(&[2, 2, 0]).unwrap().dtype(), DType::F32);
}

#[test]
fn float64_is_refused_clearly() {
    if !gpu() {
        return;
    }
    let x = Tensor::from_vec(vec![1.0f64], &[1]).unwrap();
    let e = x.to_device(Device::Wgpu).unwrap_err().to_string();
    assert!(e.contains("float64") && e.contains("wgpu"), "{e}");
}

#[test]
fn tensors_larger_than_one_binding_are_split() {
    if !gpu() {
        return;
    }
    let max = super::context::get().unwrap().limits.max_storage_buffer_binding_size as usize / 4;
    if max > 200 << 20 {
        eprintln!("skipping: this adapter binds {max} floats at once, too many to exceed here");
        return;
    }
    // A little over one binding, and not a multiple of anything convenient.
    let n = max + 3 * 1024 * 1024 + 13;
    crate::tensor::rng::manual_seed(5);
    let x = Tensor::rand(&[n], DType::F32).unwrap();
    let g = on_gpu(&x);
    let one = Tensor::full(&[n], 1.0, DType::F32, Device::Wgpu).unwrap();
    let y = g.add(&one).unwrap().mul(&g).unwrap();
    let want = x.add(&Tensor::full(&[n], 1.0, DType::F32, Device::Cpu).unwrap()).unwrap().mul(&x).unwrap();
    assert_eq!(y.to_vec::<f32>().unwrap(), want.to_vec::<f32>().unwrap());
    // Sums of one giant row (segments), and of rows in groups; a cast (copy) of it all.
    close(&g.sum(&[0], false).unwrap(), &x.sum(&[0], false).unwrap(), 1e-5);
    let rows = g.narrow(0, 0, 2 * (n / 2) as i64).unwrap().reshape(&[2, (n / 2) as i64]).unwrap();
    let rows_cpu = x.narrow(0, 0, 2 * (n / 2) as i64).unwrap().reshape(&[2, (n / 2) as i64]).unwrap();
    close(&rows.sum(&[1], false).unwrap(), &rows_cpu.sum(&[1], false).unwrap(), 1e-5);
    close(&rows.max_dim(1, false).unwrap().0, &rows_cpu.max_dim(1, false).unwrap().0, 0.0);
    let b = g.gt_scalar(0.5).unwrap();
    assert_eq!(b.to_vec::<bool>().unwrap(), x.gt_scalar(0.5).unwrap().to_vec::<bool>().unwrap());
    // A copy into a too-large destination at an unaligned offset (the parts realign it).
    use crate::backend::BackendStorage;
    let dst = Tensor::full(&[n + 7], -1.0, DType::F32, Device::Wgpu).unwrap();
    let at = crate::layout::Layout { offset: 7, ..crate::layout::Layout::contiguous(&[n]) };
    dst.storage().data().copy_into(&at, g.storage().data(), g.layout()).unwrap();
    let back = dst.to_vec::<f32>().unwrap();
    assert_eq!(&back[..7], &[-1.0; 7]);
    assert!(back[7..] == x.to_vec::<f32>().unwrap()[..], "copy at offset 7 differs");
    // A strided read of a too-large tensor cannot be split: a clear error, not a crash.
    let e = g
        .narrow(0, 0, 2 * (n / 2) as i64)
        .unwrap()
        .reshape(&[(n / 2) as i64, 2])
        .unwrap()
        .t()
        .unwrap()
        .contiguous();
    if let Err(e) = e {
        assert!(e.to_string().contains("binding"), "{e}");
    }
}
