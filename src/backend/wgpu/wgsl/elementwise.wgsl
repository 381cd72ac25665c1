// Elementwise family: out[i] = EXPR(x, y, z) for unary, binary, comparison and where ops, over
// strided and broadcast inputs (stride 0), writing a fresh contiguous output.
// Substituted by kernels.rs: the binding element types OUT_T, A_T, B_T, C_T, and BODY, which
// loads each input the way its layout allows (contiguous, one broadcast scalar, or strided)
// and stores EXPR (in x, y, z, p0, p1, p2). When every input is contiguous or a scalar and the
// offsets are multiples of four, BODY does four neighbouring elements per thread with 16-byte
// vector loads and stores (the bindings are then vec4 types). "//B " and "//C " prefixes are
// removed for two and three inputs.

@group(0) @binding(0) var<storage, read_write> out: array<{{OUT_T}}>;
@group(0) @binding(1) var<storage, read> prm: array<u32>;
@group(0) @binding(2) var<storage, read> a: array<{{A_T}}>;
//B @group(0) @binding(3) var<storage, read> b: array<{{B_T}}>;
//C @group(0) @binding(4) var<storage, read> c: array<{{C_T}}>;

// C's pow for any sign of x, exact for small integer exponents (x**2, x**3 are common). NaN and
// the infinities are spelled out: WGSL's exp2/log2 leave them to the driver (lavapipe gave
// NaN for -inf ** 1.5 and 0 for NaN ** 1.5).
fn powf(x: f32, y: f32) -> f32 {
    if (y == 0.0 || x == 1.0) {
        return 1.0;
    }
    if (is_nan_f(x) || is_nan_f(y)) {
        return f32_nan();
    }
    if (abs(y) == f32_inf()) {
        // |x| == 1 gives 1; otherwise inf where |x| > 1 agrees with y's sign, else 0
        if (abs(x) == 1.0) {
            return 1.0;
        }
        return select(0.0, f32_inf(), (abs(x) > 1.0) == (y > 0.0));
    }
    if (y == trunc(y) && abs(y) <= 16.0) {
        var n = u32(abs(y));
        var base = x;
        var r = 1.0;
        loop {
            if ((n & 1u) == 1u) {
                r = r * base;
            }
            n = n >> 1u;
            if (n == 0u) {
                break;
            }
            base = base * base;
        }
        return select(r, 1.0 / r, y < 0.0);
    }
    let odd = y == trunc(y) && (abs(y) % 2.0) == 1.0;
    if (x == -f32_inf()) {
        // inf for y > 0, 0 for y < 0, negative (-inf, -0.0) for odd integer y
        let m = select(0.0, f32_inf(), y > 0.0);
        return bitcast<f32>(bitcast<u32>(m) | select(0u, 0x80000000u, odd));
    }
    if (x < 0.0) {
        if (y != trunc(y)) {
            return f32_nan();
        }
        let m = exp2(y * log2(-x));
        return select(m, -m, odd);
    }
    if (x == 0.0) {
        // 0 for y > 0, inf for y < 0; an odd integer y keeps the zero's sign
        let m = select(0.0, f32_inf(), y < 0.0);
        return bitcast<f32>(bitcast<u32>(m) | (bitcast<u32>(x) & select(0u, 0x80000000u, odd)));
    }
    return exp2(y * log2(x));
}

fn tanh_f(x: f32) -> f32 {
    // Some drivers evaluate tanh as a ratio of exponentials, which is NaN for large |x|.
    return select(tanh(x), sign(x), abs(x) > 10.0);
}

// WGSL has no expm1: a Taylor polynomial near 0 (where exp(x) - 1 cancels), written as
// x * (...) so that -0.0 stays -0.0, and exp(x) - 1 elsewhere.
fn expm1_f(x: f32) -> f32 {
    if (abs(x) < 0.125) {
        let p = 1.0 + x * (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x * (1.0 / 120.0 + x * (1.0 / 720.0)))));
        return x * p;
    }
    return exp(x) - 1.0;
}

// WGSL has no erf. Near 0 its Taylor series (relative error below 3e-8 for |x| < 0.5, where
// 1 - erfc would lose the small result), elsewhere 1 - erfc(|x|) with erfc from the Chebyshev
// fit of Numerical Recipes' erfcc (relative error below 1.2e-7), odd in x. NaN stays NaN.
fn erf_f(x: f32) -> f32 {
    let z = abs(x);
    if (z < 0.5) {
        let x2 = x * x;
        let s = 1.0 - x2 * (1.0 / 3.0 - x2 * (1.0 / 10.0 - x2 * (1.0 / 42.0 - x2 * (1.0 / 216.0 - x2 * (1.0 / 1320.0)))));
        return 1.1283791670955126 * x * s;
    }
    let t = 1.0 / (1.0 + 0.5 * z);
    let p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
        + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
    let r = 1.0 - t * exp(-z * z + p);
    return select(r, -r, x < 0.0);
}

// WGSL has no log1p: log(1 + y) scaled by y / ((1 + y) - 1), which cancels the rounding of 1 + y
// (Goldberg's correction); y itself where 1 + y rounds to 1, and inf stays inf.
fn log1p_f(y: f32) -> f32 {
    let u = 1.0 + y;
    if (u == 1.0) {
        return y;
    }
    if (u == f32_inf()) {
        return u;
    }
    return log(u) * (y / (u - 1.0));
}

// The driver's atan is only required to be close to the true value: NaN and signed zeros are
// spelled out (lavapipe gave a number for atan(NaN)).
fn atan_f(x: f32) -> f32 {
    return select(atan(x), x, x == 0.0 || is_nan_f(x));
}

// asin and acos from atan: lavapipe's asin is 3.5e-4 off. (1 - x)(1 + x) does not cancel
// near |x| = 1 as 1 - x^2 does; acos(x) = 2 atan(sqrt((1 - x) / (1 + x))) keeps small results
// accurate near x = 1, where pi / 2 - asin(x) would cancel.
fn asin_f(x: f32) -> f32 {
    if (!(abs(x) <= 1.0)) {
        return f32_nan();
    }
    return atan_f(x / sqrt((1.0 - x) * (1.0 + x)));
}

fn acos_f(x: f32) -> f32 {
    if (!(abs(x) <= 1.0)) {
        return f32_nan();
    }
    return 2.0 * atan(sqrt((1.0 - x) / (1.0 + x)));
}

// sinh from expm1 (exp(x) - exp(-x) cancels for small |x|): with t = expm1(|x|),
// sinh|x| = (t + t / (t + 1)) / 2; the sign is copied back so -0.0 stays -0.0.
fn sinh_f(x: f32) -> f32 {
    let t = expm1_f(abs(x));
    let m = select(0.5 * (t + t / (t + 1.0)), f32_inf(), t == f32_inf());
    return select(m, -m, x < 0.0 || (x == 0.0 && bitcast<u32>(x) != 0u));
}

// asinh(|x|) = log1p(|x| + x^2 / (1 + sqrt(1 + x^2))) (log(x + sqrt(x^2 + 1)) cancels for
// negative x and loses small x); log(2|x|) where x^2 would overflow. The sign is copied back.
fn asinh_f(x: f32) -> f32 {
    let a = abs(x);
    var m = log(a) + 0.69314718055994531;
    if (a < 1.0e18) {
        m = log1p_f(a + a * a / (1.0 + sqrt(1.0 + a * a)));
    }
    return select(m, -m, x < 0.0 || (x == 0.0 && bitcast<u32>(x) != 0u));
}

// acosh: log(x + sqrt(x^2 - 1)) has no cancellation for x >= 1; log(2x) where x^2 overflows.
fn acosh_f(x: f32) -> f32 {
    if (x > 1.0e18) {
        return log(x) + 0.69314718055994531;
    }
    return log(x + sqrt(x * x - 1.0));
}

// atanh(x) = log1p(2x / (1 - x)) / 2, accurate for small |x| (log((1 + x) / (1 - x)) is not).
fn atanh_f(x: f32) -> f32 {
    let a = abs(x);
    let m = 0.5 * log1p_f(2.0 * a / (1.0 - a));
    return select(m, -m, x < 0.0 || (x == 0.0 && bitcast<u32>(x) != 0u));
}

// atan2 from atan with C's special cases (lavapipe's builtin gives 3pi/4 for (0, 0) and a
// number for NaN): the result's sign is y's, also for y = -0.0.
fn atan2_f(y: f32, x: f32) -> f32 {
    if (is_nan_f(x) || is_nan_f(y)) {
        return f32_nan();
    }
    let pi = 3.14159265358979;
    let neg_y = (bitcast<u32>(y) & 0x80000000u) != 0u;
    let s = select(1.0, -1.0, neg_y);
    let x_left = x < 0.0 || (x == 0.0 && (bitcast<u32>(x) & 0x80000000u) != 0u);
    if (y == 0.0) {
        return select(y, s * pi, x_left);
    }
    if (abs(x) == f32_inf()) {
        if (abs(y) == f32_inf()) {
            return s * select(0.25 * pi, 0.75 * pi, x < 0.0);
        }
        return select(y * 0.0, s * pi, x < 0.0);
    }
    if (abs(y) == f32_inf() || x == 0.0) {
        return s * 0.5 * pi;
    }
    let a = atan(y / x);
    return select(a, a + s * pi, x < 0.0);
}

// log(exp(x) + exp(y)) as torch computes it: the larger plus log1p(exp(-|x - y|)), and an
// infinity added to itself is itself (inf - inf would be NaN).
fn logaddexp_f(x: f32, y: f32) -> f32 {
    if (abs(x) == f32_inf() && x == y) {
        return x;
    }
    if (is_nan_f(x) || is_nan_f(y)) {
        return f32_nan();
    }
    return max(x, y) + log1p_f(exp(-abs(x - y)));
}

// hypot without overflow or underflow: the larger magnitude times sqrt(1 + r^2). An infinite
// side wins over NaN, as in C's hypot (and torch's).
fn hypot_f(x: f32, y: f32) -> f32 {
    let ax = abs(x);
    let ay = abs(y);
    if (ax == f32_inf() || ay == f32_inf()) {
        return f32_inf();
    }
    if (is_nan_f(x) || is_nan_f(y)) {
        return f32_nan();
    }
    let a = max(ax, ay);
    if (a == 0.0) {
        return 0.0;
    }
    let r = min(ax, ay) / a;
    return a * sqrt(1.0 + r * r);
}

fn maximum_f(x: f32, y: f32) -> f32 {
    return select(select(max(x, y), y, is_nan_f(y)), x, is_nan_f(x));
}

fn minimum_f(x: f32, y: f32) -> f32 {
    return select(select(min(x, y), y, is_nan_f(y)), x, is_nan_f(x));
}

// C's fmod: WGSL's float % is x - y * trunc(x / y), which is NaN for an infinite y where C
// returns x (a finite x keeps its value).
fn fmod_f(x: f32, y: f32) -> f32 {
    var r = x % y;
    if (r == 0.0) {
        // x - y * trunc(x / y) loses the sign of a zero result; C's fmod keeps x's sign.
        r = bitcast<f32>(bitcast<u32>(x) & 0x80000000u);
    }
    return select(r, x, abs(y) == f32_inf() && abs(x) != f32_inf() && !is_nan_f(x));
}

// torch.remainder: fmod moved into the divisor's sign (torch's own formula).
fn remainder_f(x: f32, y: f32) -> f32 {
    let m = fmod_f(x, y);
    return select(m, m + y, m != 0.0 && ((y < 0.0) != (m < 0.0)));
}

// torch's div(rounding_mode="floor") for floats (the CPU kernel's steps), with NaN, infinities
// and signed zeros written out: shader compilers may assume there are none (lavapipe gave
// inf // 2 = 0 and -0.0 // 2 = +0.0 from the bare steps).
fn floordiv_f(x: f32, y: f32) -> f32 {
    let neg = ((bitcast<u32>(x) ^ bitcast<u32>(y)) & 0x80000000u) != 0u;
    if (is_nan_f(x) || is_nan_f(y)) {
        return f32_nan();
    }
    if (y == 0.0) {
        // x / y: 0 / 0 is NaN, else an infinity with the quotient's sign
        return select(select(f32_inf(), -f32_inf(), neg), f32_nan(), x == 0.0);
    }
    if (abs(x) == f32_inf()) {
        return f32_nan();  // fmod(inf, y) is NaN, and so is the quotient
    }
    let m = fmod_f(x, y);
    var d = (x - m) / y;
    if (m != 0.0 && ((y < 0.0) != (m < 0.0))) {
        d = d - 1.0;
    }
    if (d != 0.0) {
        var f = floor(d);
        if (d - f > 0.5) {
            f = f + 1.0;
        }
        return f;
    }
    // a zero quotient keeps the sign of x / y, as torch's does
    return bitcast<f32>(select(0u, 0x80000000u, neg));
}

// A missing bound is passed as an infinity; NaN stays NaN, and lo > hi gives hi (as torch).
fn clamp_f(x: f32, lo: f32, hi: f32) -> f32 {
    var r = x;
    if (r < lo) {
        r = lo;
    }
    if (r > hi) {
        r = hi;
    }
    return r;
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i0 = linear_id(gid);
    let p0 = bitcast<f32>(prm[3]);
    let p1 = bitcast<f32>(prm[4]);
    let p2 = bitcast<f32>(prm[5]);
    {{BODY}}
}
