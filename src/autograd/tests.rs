//! Engine tests: chains, diamonds, broadcasting, retain_graph, and a 100,000-op chain.

use crate::tensor::{Scalar, Tensor};
use crate::DType;

fn leaf(v: Vec<f64>, shape: &[usize]) -> Tensor {
    let t = Tensor::from_vec(v, shape).unwrap();
    t.set_requires_grad(true).unwrap();
    t
}

fn grad(t: &Tensor) -> Vec<f64> {
    t.grad().expect("grad set").to_f64_vec().unwrap()
}

#[test]
fn chain_rule_through_a_cube() {
    let x = leaf(vec![2.0], &[]);
    let y = x.pow(&Tensor::wrapped_scalar(Scalar::Int(3))).unwrap();
    y.backward(None, false, false).unwrap();
    assert_eq!(grad(&x), vec![12.0]);
    assert_eq!(y.grad_fn().unwrap().name, "PowBackward0");
}

#[test]
fn diamond_sums_both_paths() {
    let x = leaf(vec![3.0], &[]);
    let a = x.mul(&x).unwrap(); // 2x
    let b = x.exp().unwrap(); // e^x
    let y = a.add(&b).unwrap();
    y.backward(None, false, false).unwrap();
    let want = 2.0 * 3.0 + 3.0f64.exp();
    assert!((grad(&x)[0] - want).abs() < 1e-12);
}

#[test]
fn broadcast_gradients_reduce_to_input_shapes() {
    let a = leaf(vec![1.0, 2.0, 3.0], &[3, 1]);
    let b = leaf(vec![10.0, 20.0], &[2]);
    let y = a.mul(&b).unwrap().sum(&[], false).unwrap();
    y.backward(None, false, false).unwrap();
    assert_eq!(grad(&a), vec![30.0, 30.0, 30.0]);
    assert_eq!(grad(&b), vec![6.0, 6.0]);
}

#[test]
fn gradients_accumulate_across_calls_and_retain_graph_is_honoured() {
    let x = leaf(vec![1.0, 2.0], &[2]);
    let y = x.mul(&x).unwrap().sum(&[], false).unwrap();
    y.backward(None, true, false).unwrap();
    y.backward(None, false, false).unwrap();
    assert_eq!(grad(&x), vec![4.0, 8.0]);
    let err = y.backward(None, false, false).unwrap_err();
    assert!(err.to_string().contains("backward through the graph a second time"));
}

#[test]
fn non_scalar_backward_needs_a_gradient() {
    let x = leaf(vec![1.0, 2.0], &[2]);
    let y = x.mul_scalar(2.0).unwrap();
    let err = y.backward(None, false, false).unwrap_err();
    assert!(err.to_string().contains("grad can be implicitly created only for scalar outputs"));
    let g = Tensor::from_vec(vec![1.0, 0.5], &[2]).unwrap();
    y.backward(Some(g), false, false).unwrap();
    assert_eq!(grad(&x), vec![2.0, 1.0]);
}

#[test]
fn a_chain_of_100k_ops_runs_and_frees_without_overflow() {
    let x = leaf(vec![1.0], &[]);
    let mut y = x.clone();
    for _ in 0..100_000 {
        y = y.mul_scalar(1.0).unwrap();
    }
    y.backward(None, false, false).unwrap();
    assert_eq!(grad(&x), vec![1.0]);
    drop(y); // dropping the graph must not recurse either
}

#[test]
fn grads_are_cast_back_to_the_input_dtype() {
    let a = Tensor::from_vec(vec![1.0f32, 2.0], &[2]).unwrap();
    a.set_requires_grad(true).unwrap();
    let b = Tensor::from_vec(vec![3.0f64, 4.0], &[2]).unwrap();
    let y = a.mul(&b).unwrap();
    assert_eq!(y.dtype(), DType::F64);
    y.sum(&[], false).unwrap().backward(None, false, false).unwrap();
    let g = a.grad().unwrap();
    assert_eq!(g.dtype(), DType::F32);
    assert_eq!(g.to_f64_vec().unwrap(), vec![3.0, 4.0]);
}

#[test]
fn inplace_write_after_save_is_detected() {
    let x = leaf(vec![1.0, 2.0], &[2]);
    let h = x.mul_scalar(1.0).unwrap();
    let y = h.exp().unwrap(); // saves its output
    y.apply_inplace("add_", &[], |s| s.add_scalar(1.0)).unwrap();
    let err = y.sum(&[], false).unwrap().backward(None, false, false).unwrap_err();
    assert!(err.to_string().contains("modified by an inplace operation"), "{err}");
}

#[test]
fn inplace_on_leaf_requiring_grad_is_refused_and_changes_nothing() {
    let x = leaf(vec![1.0, 2.0], &[2]);
    assert!(x.apply_inplace("add_", &[], |s| s.add_scalar(1.0)).is_err());
    assert_eq!(x.to_f64_vec().unwrap(), vec![1.0, 2.0]);
}

#[test]
fn matmul_gradients_match_the_closed_form() {
    let a = leaf(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let b = leaf(vec![1.0, 0.0, -1.0, 2.0, 0.5, 1.0], &[3, 2]);
    let y = a.matmul(&b).unwrap().sum(&[], false).unwrap();
    y.backward(None, false, false).unwrap();
    // dA = 1 @ B^T: row sums of B; dB = A^T @ 1: column sums of A.
    assert_eq!(grad(&a), vec![1.0, 1.0, 1.5, 1.0, 1.0, 1.5]);
    assert_eq!(grad(&b), vec![5.0, 5.0, 7.0, 7.0, 9.0, 9.0]);
}

/// A wide graph (independent matmul branches joined by a sum) and a long reduction give
/// bitwise the same values and gradients with 1 and with 2 threads.
#[test]
fn results_are_bitwise_identical_for_one_and_two_threads() {
    use crate::backend::cpu::parallel::{get_num_threads, set_num_threads};
    crate::tensor::rng::manual_seed(7);
    let leaves: Vec<Tensor> = (0..6)
        .map(|_| {
            let t = Tensor::randn(&[160, 160], DType::F32).unwrap();
            t.set_requires_grad(true).unwrap();
            t
        })
        .collect();
    let big = Tensor::randn(&[1 << 19], DType::F32).unwrap();
    let run = |threads: usize| {
        set_num_threads(threads);
        for l in &leaves {
            l.set_grad(None).unwrap();
        }
        let mut total: Option<Tensor> = None;
        for l in &leaves {
            let mut y = l.clone();
            for _ in 0..3 {
                y = y.matmul(l).unwrap().tanh().unwrap();
            }
            let s = y.sum(&[], false).unwrap();
            total = Some(match total {
                None => s,
                Some(t) => t.add(&s).unwrap(),
            });
        }
        let total = total.unwrap();
        total.backward(None, false, false).unwrap();
        let grads: Vec<Vec<f32>> =
            leaves.iter().map(|l| l.grad().unwrap().to_vec::<f32>().unwrap()).collect();
        let s = big.sum(&[], false).unwrap().to_vec::<f32>().unwrap();
        let e = big.exp().unwrap().to_vec::<f32>().unwrap();
        (total.to_vec::<f32>().unwrap(), grads, s, e)
    };
    let before = get_num_threads();
    let one = run(1);
    let two = run(2);
    set_num_threads(before);
    assert_eq!(one.0, two.0);
    assert_eq!(one.1, two.1);
    assert_eq!(one.2, two.2);
    assert_eq!(one.3, two.3);
}

/// Regression: an empty view can have an offset past the end of its empty storage
/// (select on a [0, 2] tensor); reading or indexing with it must not slice out of range.
#[test]
fn empty_views_with_offsets_read_as_empty() {
    let e = Tensor::from_vec(Vec::<i64>::new(), &[0, 2]).unwrap();
    let col = e.select(1, 1).unwrap();
    assert_eq!(col.to_vec::<i64>().unwrap(), Vec::<i64>::new());
    assert_eq!(col.add(&col).unwrap().numel(), 0);
    assert_eq!(col.sum(&[], false).unwrap().to_vec::<i64>().unwrap(), vec![0]);
}

#[test]
fn gradients_accumulate_in_place_into_the_same_tensor() {
    let x = leaf(vec![1.0, 2.0], &[2]);
    x.mul(&x).unwrap().sum(&[], false).unwrap().backward(None, false, false).unwrap();
    let g = x.grad().unwrap();
    x.mul_scalar(3.0).unwrap().sum(&[], false).unwrap().backward(None, false, false).unwrap();
    assert!(x.grad().unwrap().same_tensor(&g));
    assert_eq!(g.to_f64_vec().unwrap(), vec![5.0, 7.0]);
}

#[test]
fn a_first_gradient_is_never_shared_between_leaves() {
    // add hands the same gradient to both inputs; with create_graph it is stored as is unless
    // copied, and an in-place accumulation into one .grad would then change the other
    let a = leaf(vec![1.0, 2.0], &[2]);
    let b = leaf(vec![3.0, 4.0], &[2]);
    a.add(&b).unwrap().sum(&[], false).unwrap().backward(None, false, true).unwrap();
    assert!(!a.grad().unwrap().same_tensor(&b.grad().unwrap()));
    a.mul_scalar(2.0).unwrap().sum(&[], false).unwrap().backward(None, false, false).unwrap();
    assert_eq!(grad(&a), vec![3.0, 3.0]);
    assert_eq!(grad(&b), vec![1.0, 1.0]);
}

#[test]
fn remainder_follows_the_divisor_sign_and_fmod_the_dividend() {
    let a = Tensor::from_vec(vec![5i64, -5, 5, -5, i64::MIN], &[5]).unwrap();
    let b = Tensor::from_vec(vec![3i64, 3, -3, -3, -1], &[5]).unwrap();
    assert_eq!(a.remainder(&b).unwrap().to_vec::<i64>().unwrap(), vec![2, 1, -1, -2, 0]);
    assert_eq!(a.fmod(&b).unwrap().to_vec::<i64>().unwrap(), vec![2, -2, 2, -2, 0]);
    let x = Tensor::from_vec(vec![5.5f64, -5.5, -0.0, -3.0], &[4]).unwrap();
    let y = Tensor::from_vec(vec![2.0f64, 2.0, 2.0, f64::INFINITY], &[4]).unwrap();
    let r = x.remainder(&y).unwrap().to_f64_vec().unwrap();
    assert_eq!(r[..2], [1.5, 0.5]);
    assert!(r[2] == 0.0 && r[2].is_sign_negative());
    assert_eq!(r[3], f64::INFINITY);
}

#[test]
fn integer_modulo_by_zero_is_an_error_naming_the_op() {
    let a = Tensor::from_vec(vec![5i64, 3], &[2]).unwrap();
    let b = Tensor::from_vec(vec![1i64, 0], &[2]).unwrap();
    let e = a.remainder(&b).unwrap_err().to_string();
    assert!(e.contains("ZeroDivisionError") && e.contains("remainder"), "{e}");
}

#[test]
fn remainder_gradients_are_g_and_minus_g_floor_quotient() {
    let a = leaf(vec![5.5, -2.0], &[2]);
    let b = leaf(vec![2.0, 3.0], &[2]);
    a.remainder(&b).unwrap().sum(&[], false).unwrap().backward(None, false, false).unwrap();
    assert_eq!(grad(&a), vec![1.0, 1.0]);
    assert_eq!(grad(&b), vec![-2.0, 1.0]);
}

#[test]
fn bitwise_not_wraps_int64_and_negates_bool() {
    let a = Tensor::from_vec(vec![i64::MIN, i64::MAX, 0, 5], &[4]).unwrap();
    let r = crate::ops::unary::bitwise_not(&a).unwrap().to_vec::<i64>().unwrap();
    assert_eq!(r, vec![i64::MAX, i64::MIN, -1, -6]);
    let f = Tensor::from_vec(vec![1.0f32], &[1]).unwrap();
    assert!(crate::ops::unary::bitwise_not(&f).is_err());
}

#[test]
fn leaky_relu_forward_and_gradient() {
    let x = leaf(vec![2.0, -2.0, 0.0], &[3]);
    let y = crate::ops::unary::leaky_relu(&x, 0.25).unwrap();
    assert_eq!(y.to_f64_vec().unwrap(), vec![2.0, -0.5, 0.0]);
    y.sum(&[], false).unwrap().backward(None, false, false).unwrap();
    assert_eq!(grad(&x), vec![1.0, 0.25, 0.25]);
}

#[test]
fn silu_forward_and_gradient_at_singular_points() {
    let x = leaf(vec![0.0, f64::NEG_INFINITY, -1000.0, 2.0], &[4]);
    let y = crate::ops::unary::silu(&x).unwrap();
    let v = y.to_f64_vec().unwrap();
    // torch's x / (1 + exp(-x)): -inf gives NaN, large negative x gives -0.0
    assert_eq!(v[0], 0.0);
    assert!(v[1].is_nan());
    assert!(v[2] == 0.0 && v[2].is_sign_negative());
    assert!((v[3] - 2.0 / (1.0 + (-2.0f64).exp())).abs() < 1e-6);
    // an infinite gradient at 0 gives inf (g * s * (1 + x (1 - s))), not inf * 0
    let g = Tensor::from_vec(vec![f64::INFINITY, 1.0, 1.0, 1.0], &[4]).unwrap();
    y.backward(Some(g), false, false).unwrap();
    let gx = grad(&x);
    assert_eq!(gx[0], f64::INFINITY);
    assert_eq!(y.grad_fn().unwrap().name, "SiluBackward0");
}

#[test]
fn elu_forward_keeps_negative_zero_and_gradient() {
    let x = leaf(vec![-0.0, 2.0, -1.0, 0.0], &[4]);
    let y = crate::ops::unary::elu(&x, 0.5).unwrap();
    let v = y.to_f64_vec().unwrap();
    assert!(v[0] == 0.0 && v[0].is_sign_negative());
    assert_eq!(v[1], 2.0);
    assert!((v[2] - 0.5 * (-1.0f64).exp_m1()).abs() < 1e-7);
    assert!(v[3] == 0.0 && v[3].is_sign_positive());
    y.sum(&[], false).unwrap().backward(None, false, false).unwrap();
    let gx = grad(&x);
    // x <= 0: alpha * exp(x) (alpha at 0, as torch); x > 0: 1
    assert_eq!(gx[0], 0.5);
    assert_eq!(gx[1], 1.0);
    assert!((gx[2] - 0.5 * (-1.0f64).exp()).abs() < 1e-7);
    assert_eq!(gx[3], 0.5);
    let i = Tensor::from_vec(vec![1i64], &[1]).unwrap();
    assert!(crate::ops::unary::elu(&i, 1.0).is_err());
    assert!(crate::ops::unary::silu(&i).is_err());
}

#[test]
fn a_saved_output_has_its_history_back_only_while_recording() {
    let x = leaf(vec![2.0, 3.0], &[2]);
    let y = x.mul(&x).unwrap();
    let saved = crate::autograd::saved::SavedOutput::new(&y);
    let node = y.grad_fn().unwrap();
    drop(y);
    let back = saved.unpack();
    assert!(std::sync::Arc::ptr_eq(&back.grad_fn().unwrap(), &node));
    let _g = crate::autograd::GradModeGuard::new(false);
    assert!(saved.unpack().grad_fn().is_none());
    assert_eq!(saved.version(), 0);
}

#[test]
fn a_removed_hook_no_longer_runs() {
    struct Double;
    impl crate::autograd::hooks::GradHook for Double {
        fn call(&self, g: &Tensor) -> crate::Result<Option<Tensor>> {
            Ok(Some(g.mul(&Tensor::wrapped_scalar(Scalar::Int(2)))?))
        }
    }
    let x = leaf(vec![3.0], &[]);
    let remove = x.register_hook(std::sync::Arc::new(Double)).unwrap();
    x.mul(&x).unwrap().backward(None, false, false).unwrap();
    assert_eq!(grad(&x), vec![12.0]);
    remove();
    remove(); // a second removal does nothing
    x.set_grad(None).unwrap();
    x.mul(&x).unwrap().backward(None, false, false).unwrap();
    assert_eq!(grad(&x), vec![6.0]);
}
