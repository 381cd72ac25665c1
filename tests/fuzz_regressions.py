"""Programs found by the differential fuzzer (fuzz_programs.py), replayed by test_fuzz_programs.py.

Each entry is ``(name, program)``; paste a failing program printed by Hypothesis as a new entry,
with a comment naming the bug. Entries for open bugs fail until the bug is fixed: they are listed
in ``OPEN`` (name -> the bug), which test_fuzz_programs.py marks as strict xfails, and the
generator avoids them meanwhile through ``fuzz_programs.KNOWN_BUGS``.
"""

REGRESSIONS = [
    # F.gelu on a 0-d tensor: AttributeError in erf (np.frompyfunc returns a Python float).
    ("gelu_0d", {"order2": False, "ops": [("leaf", (), "float32", 0, False, "uniform"), ("gelu", 0)]}),
    # matmul of float32 and float64 computes; torch raises RuntimeError (no type promotion).
    (
        "matmul_mixed_dtypes",
        {
            "order2": True,
            "ops": [
                ("leaf", (1,), "float32", 0, False, "uniform"),
                ("leaf", (1,), "float64", 0, False, "uniform"),
                ("matmul", 0, 1),
            ],
        },
    ),
    # relu / leaky_relu: the grad made with create_graph=True does not require grad (torch's does,
    # and differentiates to zeros).
    (
        "relu_create_graph_grad",
        {"order2": True, "ops": [("leaf", (), "float32", 0, True, "uniform"), ("relu", 0)]},
    ),
    (
        "leaky_relu_create_graph_grad",
        {"order2": True, "ops": [("leaf", (), "float32", 0, True, "uniform"), ("leaky_relu", 0)]},
    ),
    # logsumexp over an empty dim raises IndexError; torch returns -inf.
    (
        "logsumexp_empty_dim",
        {
            "order2": False,
            "ops": [("leaf", (0,), "float32", 0, False, "uniform"), ("logsumexp", 0, (0,), True)],
        },
    ),
    # max() of an empty tensor raises IndexError; torch raises RuntimeError.
    ("max_empty", {"order2": False, "ops": [("leaf", (0,), "float32", 0, False, "uniform"), ("max", 0)]}),
    # 0-d float32 .add(scalar, alpha=0.5) returns float64.
    (
        "add_alpha_scalar_0d_dtype",
        {"order2": False, "ops": [("leaf", (), "float32", 0, False, "uniform"), ("add_alpha", 0, 2.0)]},
    ),
    # x.expand() with no size arguments works; torch raises TypeError (same for view, permute).
    (
        "expand_no_args",
        {"order2": False, "ops": [("leaf", (), "float32", 0, False, "uniform"), ("expand", 0, ())]},
    ),
    # where(cond, scalar, scalar) is float64; torch gives float32 (the default dtype).
    (
        "where_two_scalars_dtype",
        {
            "order2": False,
            "ops": [("leaf", (1,), "float32", 0, False, "uniform"), ("eq", 0, 2.0), ("where", 1, 2.0, 2.0)],
        },
    ),
    # x[mask] with a 0-d bool mask returns x; torch returns shape (0, *x.shape) (or (1, ...)).
    (
        "index_0d_bool_mask",
        {
            "order2": False,
            "ops": [
                ("leaf", (1,), "float32", 0, False, "uniform"),
                ("sum", 0, None, True),
                ("eq", 1, 2.0),
                ("index_value", 0, 2, 0),
            ],
        },
    ),
    # The output of reciprocal modified in place: torch raises at backward (it saved the output).
    (
        "reciprocal_output_modified_in_place",
        {
            "order2": False,
            "ops": [("leaf", (), "float32", 0, True, "uniform"), ("reciprocal", 0), ("neg_", 1)],
        },
    ),
    # a.copy_(b) with b a leaf requiring grad: a should require grad (CopyBackwards); the gradient is lost.
    (
        "copy_into_tensor_not_requiring_grad",
        {
            "order2": False,
            "ops": [
                ("leaf", (1,), "float32", 0, False, "uniform"),
                ("leaf", (1,), "float32", 0, True, "uniform"),
                ("copy_", 0, 1),
            ],
        },
    ),
    # c / x then x modified in place: ferrograd raises at backward, torch does not (it saved 1/x).
    (
        "rdiv_input_modified_in_place",
        {
            "order2": False,
            "ops": [
                ("leaf", (), "float32", 0, True, "uniform"),
                ("neg", 0),
                ("rdiv", 1, 2.0),
                ("detach", 1),
                ("neg_", 3),
            ],
        },
    ),
    # std where it is 0: the gradient is NaN; torch defines it as 0.
    (
        "std_zero_gradient",
        {"order2": False, "ops": [("leaf", (), "float32", 0, True, "uniform"), ("std0", 0, None, True)]},
    ),
    # softmax of a 0-d NaN gives 1; torch gives NaN.
    (
        "softmax_0d_nan",
        {
            "order2": False,
            "ops": [
                ("leaf", (), "float32", 0, False, "uniform"),
                ("var", 0, None, True),
                ("softmax", 1, 0, True),
            ],
        },
    ),
    # flatten(1, 0) raises ValueError; torch raises RuntimeError.
    (
        "flatten_reversed_dims",
        {"order2": False, "ops": [("leaf", (2, 3), "float32", 0, False, "uniform"), ("flatten", 0, 1, 0)]},
    ),
    # In place on a base after a view of it was taken: the view keeps the old history (torch gives
    # x.grad == 3 through the view after the base's neg_; ferrograd -3), and its requires_grad.
    (
        "view_of_base_modified_in_place",
        {
            "order2": False,
            "ops": [
                ("leaf", (1, 1), "float32", 0, True, "uniform"),
                ("neg", 0),
                ("t", 1),
                ("neg_", 1),
            ],
        },
    ),
    (
        "view_requires_grad_after_base_add_",
        {
            "order2": False,
            "ops": [
                ("leaf", (), "float32", 0, True, "uniform"),
                ("leaf", (1, 1), "float32", 0, False, "uniform"),
                ("transpose", 1, 0, 0),
                ("add_", 1, 0),
            ],
        },
    ),
    # F.elu's gradient at exactly 0 is 0; torch gives 1.
    (
        "elu_gradient_at_zero",
        {"order2": False, "ops": [("leaf", (5,), "float32", 0, True, "int"), ("elu", 0)]},
    ),
    # F.elu / F.silu at 0 under log: the compositions gave elu(-0.0) = +0.0 (exp(x) - 1; torch's
    # expm1 keeps -0.0, so log's gradient had the wrong sign) and silu's gradient inf * 0 = NaN in
    # x * sigmoid(x)'s mul (torch's SiluBackward0 gives inf); both are one op now.
    (
        "elu_expm1_negative_zero_under_log",
        {
            "order2": False,
            "ops": [
                ("leaf", (), "float32", 0, False, "uniform"),
                ("leaf", (), "float32", 1, True, "int"),
                ("neg", 1),
                ("elu", 2),
                ("log", 3),
            ],
        },
    ),
    (
        "silu_gradient_at_zero_under_log",
        {
            "order2": False,
            "ops": [
                ("leaf", (), "float32", 0, False, "uniform"),
                ("leaf", (), "float32", 1, True, "int"),
                ("neg", 0),
                ("silu", 1),
                ("log", 3),
            ],
        },
    ),
    # x ** 0.0 passed g * 0 back, so a NaN gradient flowing into it (here from v0 ** v2, whose
    # exponent gradient is NaN for a negative base) came out NaN; torch masks after the product.
    (
        "pow_zero_exponent_masks_nan_gradient",
        {
            "order2": True,
            "ops": [
                ("leaf", (2,), "float32", 0, True, "uniform"),
                ("neg", 0),
                ("pow", 0, 0.0),
                ("neg", 0),
                ("neg", 0),
                ("neg", 0),
                ("pow", 0, 2),
            ],
        },
    ),
    # x / x, second derivative: -g * a / (b * b) cancelled differently from torch's
    # -g * ((a / b) / b), off by far more than rounding where b is small.
    (
        "div_self_second_derivative_rounding",
        {
            "order2": True,
            "ops": [
                ("leaf", (), "float32", 0, False, "uniform"),
                ("leaf", (2, 2, 3), "float32", 600, True, "uniform"),
                ("leaf", (), "float32", 0, False, "uniform"),
                ("div", 1, 1),
            ],
        },
    ),
    # copy_ onto amax's output, which amax saved: copy_ dropped self's old history, so the
    # overwritten saved output was never checked; torch's CopyBackwards sends it zeros and
    # reports the in-place change at backward. ferrograd's copy_ now does the same.
    (
        "copy_onto_saved_output_is_reported",
        {
            "order2": True,
            "ops": [
                ("leaf", (1,), "float32", 0, True, "uniform"),
                ("leaf", (), "float32", 0, True, "uniform"),
                ("leaf", (), "float32", 0, True, "uniform"),
                ("amax", 0, None, True),
                ("copy_", 3, 0),
            ],
        },
    ),
    # 0 ** b in place, second order: the exponent's gradient is g * where(cond, 0, out * log(a))
    # in torch (masked before the product, unlike the base's); masking after it hid torch's NaN.
    (
        "pow_exponent_gradient_masks_before_the_product",
        {
            "order2": True,
            "ops": [
                ("leaf", (1, 1, 1, 1), "float32", 0, False, "uniform"),
                ("sub", 0, 0),
                ("leaf", (1, 1, 1, 1), "float32", 0, True, "uniform"),
                ("pow_", 1, 2),
            ],
        },
    ),
    # abs of a NaN (log of a negative): its gradient is g * sgn(x), and torch's sgn(NaN) is 0, so
    # the zero gradient log's backward then sends up stays finite; ferrograd's sign(NaN) is NaN.
    (
        "abs_gradient_at_nan_is_zero",
        {
            "order2": False,
            "ops": [
                ("leaf", (2,), "float32", 0, True, "uniform"),
                ("log", 0),
                ("abs", 1),
            ],
        },
    ),
    # max() of a whole tensor, then a NaN gradient (var of one element): torch writes the share
    # only where x hits the max (zeros elsewhere, masked_fill); multiplying by the mask spread
    # NaN to every element.
    (
        "whole_max_gradient_is_masked_not_multiplied",
        {
            "order2": False,
            "ops": [
                ("leaf", (2,), "float32", 0, True, "uniform"),
                ("max", 0),
                ("var", 1, None, True),
            ],
        },
    ),
    # amin over every dim (dim=None) is amin, not min(): torch multiplies by the mask there, so a
    # NaN gradient (sqrt of a negative) reaches every element, as it does in ferrograd again.
    (
        "amin_over_all_dims_multiplies_by_the_mask",
        {
            "order2": True,
            "ops": [
                ("leaf", (2,), "float32", 0, True, "uniform"),
                ("amin", 0, None, True),
                ("sqrt", 1),
            ],
        },
    ),
    # std of two values 0.0017 apart, differentiated twice: the Hessian is zero, summed from terms
    # in 1 / std that cancel, so both libraries return rounding noise (ferrograd 1.3e-11, torch
    # 9.7e-12 in float64) that a fixed 1e-12 tolerance cannot hold; it is compared against
    # torch's own noise (fuzz_programs._compare_with_noise).
    (
        "std_second_derivative_of_close_values_is_rounding_noise",
        {
            "order2": True,
            "ops": [
                ("leaf", (1, 3, 2), "float32", 1688, True, "pos"),
                ("permute", 0, (2, 1, 0)),
                ("neg", 0),
                ("pos", 0),
                ("std", 1, (-3,), True),
            ],
        },
    ),
    # 0.0 ** gelu(x) at a negative gelu(x) sends an infinite gradient back: the composite
    # x * Phi(x) differentiated term by term gave inf - inf = NaN (torch: inf); gelu is now one op
    # with torch's gelu_backward.
    (
        "gelu_gradient_of_an_infinite_incoming_gradient",
        {
            "order2": True,
            "ops": [("leaf", (), "float32", 155, True, "uniform"), ("gelu", 0), ("rpow", 1, 0.0)],
        },
    ),
    # softplus at NaN (log of a negative): torch's gradient is NaN; the composite here clamped
    # exp's argument, and clamp passes no gradient at NaN, so it gave a finite one. softplus is
    # now one op with torch's softplus_backward.
    (
        "softplus_gradient_at_nan",
        {
            "order2": True,
            "ops": [("leaf", (2,), "float32", 0, True, "uniform"), ("log", 0), ("softplus", 1)],
        },
    ),
    # log(0) ** 0.5: torch computes ** 0.5 as sqrt (NaN at -inf) where C's pow gives inf; number
    # exponents 0.5, -0.5, -1, 2, 3 and -2 now take torch's special kernels.
    (
        "pow_half_of_minus_inf_is_sqrt",
        {
            "order2": False,
            "ops": [("leaf", (), "float32", 1, False, "int"), ("log", 0), ("pow", 1, 0.5)],
        },
    ),
    # 2 / (x @ w) where the float32 product cancels to 0.0075: the libraries sum the product in
    # another order, and the division carries that rounding relative to 0.0075 (2.3e-5 apart,
    # rtol 1e-5); compared against torch's own noise (fuzz_programs._compare_with_noise).
    (
        "division_by_a_cancelling_matmul_is_rounding_noise",
        {
            "order2": True,
            "ops": [
                ("leaf", (1, 2, 4), "float32", 273, False, "uniform"),
                ("leaf", (4, 3), "float32", 53, False, "uniform"),
                ("matmul", 0, 1),
                ("rdiv", 2, 2.0),
            ],
        },
    ),
    # Found by the registry ops (tests/opinfo.py) in the fuzzer. The table's binary and ternary
    # rows saved (and version-checked) every operand they list, where torch saves a value exactly
    # one gradient reads only when that gradient is needed: x written in place after hypot(x, y)
    # with only y requiring grad raised at backward. The rows now save per needed gradient.
    (
        "hypot_saves_an_operand_no_gradient_needs",
        {
            "order2": False,
            "ops": [
                ("leaf", (2,), "float32", 0, False, "uniform"),
                ("leaf", (2,), "float32", 1, True, "uniform"),
                ("t.hypot", 0, 1),
                ("setitem", 0, (0,), 1.0),
            ],
        },
    ),
    (
        "copysign_saves_an_operand_no_gradient_needs",
        {
            "order2": False,
            "ops": [
                ("leaf", (2,), "float32", 0, False, "uniform"),
                ("leaf", (2,), "float32", 1, True, "uniform"),
                ("t.copysign", 0, 1),
                ("setitem", 0, (0,), 1.0),
            ],
        },
    ),
    (
        "lerp_saves_operands_no_gradient_needs",
        {
            "order2": False,
            "ops": [
                ("leaf", (2,), "float32", 0, True, "uniform"),
                ("leaf", (2,), "float32", 1, True, "uniform"),
                ("leaf", (2,), "float32", 2, False, "uniform"),
                ("mul", 0, 1.0),
                ("t.lerp", 3, 1, 2),
                ("setitem", 3, (0,), 1.0),
            ],
        },
    ),
    (
        "max_dim_indices_modified_in_place",
        {
            "order2": False,
            "ops": [
                ("leaf", (2, 2), "float32", 0, True, "uniform"),
                ("max_dim", 0, 0, False),
                ("leaf", (2,), "int64", 0, False, ("ints", (0,))),
                ("m.bitwise_and_", 2, 3),
            ],
        },
    ),
    # xlogy's gradient for input was 0 wherever input was 0; torch's is xlogy(g, other), masked
    # only where other <= 0 as well.
    (
        "xlogy_gradient_at_zero_input",
        {
            "order2": False,
            "ops": [
                ("leaf", (3,), "float32", 0, True, "int"),
                ("leaf", (3,), "float32", 1, False, ("range", 0.1, 3.0)),
                ("t.xlogy", 0, 1),
            ],
        },
    ),
    # atan2's gradients at (0, 0) were NaN (0 / 0); torch zeroes the infinite 1 / (a^2 + b^2).
    (
        "atan2_gradient_at_the_origin",
        {"order2": False, "ops": [("leaf", (), "float32", 1, True, "int"), ("t.atan2", 0, 0)]},
    ),
    # (hand ops; found by the full run once the registry family changed the program stream)
    # x[:, :, idx] was gathered in front order (the index's dims first) and permuted into place,
    # so its strides did not view as (3, 3, 1, 2, 1, 2, 1); torch's result is contiguous, and the
    # gather now writes in the result's order.
    (
        "view_of_an_advanced_index_result",
        {
            "order2": True,
            "ops": [
                ("leaf", (1, 2, 1, 3), "float32", 0, False, "uniform"),
                ("leaf", (), "float32", 0, True, "uniform"),
                ("neg", 0),
                ("neg", 0),
                ("argmax", 0, 0, True),
                ("index_value", 0, 4, 2),
                ("view", 5, (3, 3, 1, 2, 1, 2, 1)),
            ],
        },
    ),
    # hardtanh's gradient at NaN was 0 (as torch's vectorised CPU loop gives); torch's scalar and
    # CUDA kernels pass it, as relu6, hardshrink, softshrink and threshold do now too.
    (
        "hardtanh_gradient_at_nan",
        {
            "order2": False,
            "ops": [("leaf", (4,), "float32", 0, True, "uniform"), ("log", 0), ("F.hardtanh", 1)],
        },
    ),
    # atan2(bool, x) backward negates the bool: torch's NotImplementedError, as `-bool_tensor`
    # and a subtraction with a bool (ferrograd raised a plain RuntimeError).
    (
        "atan2_of_a_bool_operand_backward",
        {
            "order2": False,
            "ops": [
                ("leaf", (2,), "float32", 0, True, "uniform"),
                ("gt", 0, 0.0),
                ("t.atan2", 1, 0),
            ],
        },
    ),
    # logical_and_ into a float tensor requiring grad: torch does not differentiate it and keeps
    # the tensor's history (ferrograd recorded a WhereBackward0 with a zero gradient).
    (
        "logical_and_into_a_tensor_that_requires_grad",
        {
            "order2": False,
            "ops": [
                ("leaf", (3,), "float32", 0, True, "uniform"),
                ("mul", 0, 2.0),
                ("leaf", (), "float32", 1, False, "uniform"),
                ("m.logical_and_", 1, 2),
            ],
        },
    ),
    # fmax(False, 0.0): torch (2.15) splits a tie's gradient between the operands, as maximum
    # does; ferrograd gave it all to input. Found by the full run once bool operands next to a
    # tensor requiring grad were drawn again (they had been kept out for atan2's backward).
    (
        "fmax_splits_a_tie_gradient",
        {
            "order2": False,
            "ops": [
                ("leaf", (), "float32", 1, True, "int"),
                ("leaf", (), "bool", 1, False, ("ints", (0, 1))),
                ("t.fmax", 1, 0),
            ],
        },
    ),
    (
        "fmin_splits_a_tie_gradient",
        {
            "order2": True,
            "ops": [
                ("leaf", (2,), "float64", 3, True, "int"),
                ("leaf", (2,), "float64", 3, True, "int"),
                ("t.fmin", 0, 1),
            ],
        },
    ),
]

# Open bugs: regression name -> the bug (each fails until fixed; a strict xfail meanwhile).
OPEN: dict[str, str] = {}
