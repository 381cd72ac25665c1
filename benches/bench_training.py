"""The training workloads of benches/compare_torch.py (issue 14): the steps people run, each with a
second shape set nobody tunes for. Every body uses the functional API both libraries have, on
parameters made from the same NumPy data, so ferrograd and torch compute the same numbers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from bench_workloads import Workload, _np, _randn, _tensor

LR = 0.01


def _param(m, shape, seed, fan_in):
    return _tensor(m, _randn(shape, np.float32, seed) / np.float32(np.sqrt(fan_in)), requires_grad=True)


def _sgd(m, params):
    with m.no_grad():
        for p in params:
            p -= LR * p.grad
            p.grad = None


def _loss_and_first_param(m, s, run):
    loss = run(m, s).item()
    return np.concatenate([[loss], _np(s["params"][0]).ravel()[:1000]])


# --------------------------------------------------------------------------------------------
# CNN: conv 3x3 (c1), relu, max-pool, conv 3x3 (c2), relu, max-pool, linear, cross-entropy.


@dataclass(frozen=True)
class CnnShape:
    batch: int
    channels: int
    size: int
    c1: int
    c2: int
    classes: int = 10


def cnn_setup(sh: CnnShape):
    def setup(m):
        flat = sh.c2 * (sh.size // 4) ** 2
        return {
            "x": _tensor(m, _randn((sh.batch, sh.channels, sh.size, sh.size), np.float32, 1)),
            "y": _tensor(m, np.random.default_rng(2).integers(0, sh.classes, sh.batch)),
            "params": [
                _param(m, (sh.c1, sh.channels, 3, 3), 3, sh.channels * 9),
                _param(m, (sh.c1,), 4, sh.channels * 9),
                _param(m, (sh.c2, sh.c1, 3, 3), 5, sh.c1 * 9),
                _param(m, (sh.c2,), 6, sh.c1 * 9),
                _param(m, (sh.classes, flat), 7, flat),
                _param(m, (sh.classes,), 8, flat),
            ],
        }

    return setup


def cnn_step(m, s):
    F = m.nn.functional
    w1, b1, w2, b2, w3, b3 = s["params"]
    h = F.max_pool2d(F.relu(F.conv2d(s["x"], w1, b1, padding=1)), 2)
    h = F.max_pool2d(F.relu(F.conv2d(h, w2, b2, padding=1)), 2)
    loss = F.cross_entropy(F.linear(h.flatten(1), w3, b3), s["y"])
    loss.backward()
    _sgd(m, s["params"])
    return loss


# --------------------------------------------------------------------------------------------
# ResNet-style block: conv 3x3, batch norm, relu, conv 3x3, batch norm, residual, relu.


@dataclass(frozen=True)
class ResShape:
    batch: int
    channels: int
    size: int


def resnet_setup(sh: ResShape):
    def setup(m):
        c = sh.channels
        ones = _tensor(m, np.ones(c, np.float32), requires_grad=True)
        ones2 = _tensor(m, np.ones(c, np.float32), requires_grad=True)
        return {
            "x": _tensor(m, _randn((sh.batch, c, sh.size, sh.size), np.float32, 1)),
            "params": [
                _param(m, (c, c, 3, 3), 2, c * 9),
                ones,
                _tensor(m, np.zeros(c, np.float32), requires_grad=True),
                _param(m, (c, c, 3, 3), 3, c * 9),
                ones2,
                _tensor(m, np.zeros(c, np.float32), requires_grad=True),
            ],
        }

    return setup


def resnet_step(m, s):
    F = m.nn.functional
    w1, g1, b1, w2, g2, b2 = s["params"]
    x = s["x"]
    h = F.relu(F.batch_norm(F.conv2d(x, w1, padding=1), None, None, g1, b1, training=True))
    h = F.batch_norm(F.conv2d(h, w2, padding=1), None, None, g2, b2, training=True)
    loss = F.relu(h + x).pow(2).mean()
    loss.backward()
    _sgd(m, s["params"])
    return loss


# --------------------------------------------------------------------------------------------
# Transformer block (pre-norm): layer_norm, qkv linear, causal softmax attention, projection,
# residual, layer_norm, gelu MLP, residual. The causal mask comes from NumPy (both libraries).


@dataclass(frozen=True)
class BlockShape:
    batch: int
    tokens: int
    width: int
    heads: int


def _block_params(m, width, seed):
    w = width
    shapes = [
        (w,),
        (w,),
        (3 * w, w),
        (3 * w,),
        (w, w),
        (w,),
        (w,),
        (w,),
        (4 * w, w),
        (4 * w,),
        (w, 4 * w),
        (w,),
    ]
    params = []
    for i, shape in enumerate(shapes):
        if len(shape) == 1 and i in (0, 6):
            params.append(_tensor(m, np.ones(shape, np.float32), requires_grad=True))
        elif len(shape) == 1:
            params.append(_tensor(m, np.zeros(shape, np.float32), requires_grad=True))
        else:
            params.append(_param(m, shape, seed + i, shape[1]))
    return params


def _causal(m, tokens):
    return _tensor(m, np.triu(np.ones((tokens, tokens), dtype=bool), 1))


def block_forward(m, x, p, heads, mask):
    F = m.nn.functional
    ln1w, ln1b, wqkv, bqkv, wo, bo, ln2w, ln2b, w1, b1, w2, b2 = p
    b, t, c = x.shape
    d = c // heads
    h = F.layer_norm(x, (c,), ln1w, ln1b)
    qkv = F.linear(h, wqkv, bqkv).reshape(b, t, 3, heads, d).permute(2, 0, 3, 1, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]
    att = (q @ k.transpose(-2, -1)) * (1.0 / float(np.sqrt(d)))
    att = att.masked_fill(mask, float("-inf")).softmax(dim=-1)
    y = (att @ v).transpose(1, 2).reshape(b, t, c)
    x = x + F.linear(y, wo, bo)
    return x + F.linear(F.gelu(F.linear(F.layer_norm(x, (c,), ln2w, ln2b), w1, b1)), w2, b2)


def block_setup(sh: BlockShape):
    def setup(m):
        return {
            "x": _tensor(m, _randn((sh.batch, sh.tokens, sh.width), np.float32, 1)),
            "mask": _causal(m, sh.tokens),
            "params": _block_params(m, sh.width, 10),
            "heads": sh.heads,
        }

    return setup


def block_step(m, s):
    loss = block_forward(m, s["x"], s["params"], s["heads"], s["mask"]).pow(2).mean()
    loss.backward()
    _sgd(m, s["params"])
    return loss


# --------------------------------------------------------------------------------------------
# Char-level GPT: token and position embeddings, transformer blocks, final layer_norm, logits,
# cross-entropy, AdamW.


@dataclass(frozen=True)
class GptShape:
    batch: int
    context: int
    width: int
    heads: int
    layers: int
    vocab: int = 65


def gpt_setup(sh: GptShape):
    def setup(m):
        rng = np.random.default_rng(3)
        tokens = rng.integers(0, sh.vocab, (sh.batch, sh.context + 1))
        params = [
            _tensor(m, _randn((sh.vocab, sh.width), np.float32, 4) * np.float32(0.02), requires_grad=True),
            _tensor(m, _randn((sh.context, sh.width), np.float32, 5) * np.float32(0.02), requires_grad=True),
            _tensor(m, np.ones(sh.width, np.float32), requires_grad=True),
            _tensor(m, np.zeros(sh.width, np.float32), requires_grad=True),
        ]
        for layer in range(sh.layers):
            params += _block_params(m, sh.width, 100 + 20 * layer)
        return {
            "idx": _tensor(m, tokens[:, :-1]),
            "targets": _tensor(m, tokens[:, 1:]),
            "pos": _tensor(m, np.arange(sh.context)),
            "mask": _causal(m, sh.context),
            "params": params,
            "shape": sh,
            "opt": m.optim.AdamW(params, lr=1e-3),
        }

    return setup


def gpt_step(m, s):
    F = m.nn.functional
    sh, p = s["shape"], s["params"]
    tok, pos, lnw, lnb = p[:4]
    x = F.embedding(s["idx"], tok) + F.embedding(s["pos"], pos)
    for layer in range(sh.layers):
        x = block_forward(m, x, p[4 + 12 * layer : 16 + 12 * layer], sh.heads, s["mask"])
    logits = F.linear(F.layer_norm(x, (sh.width,), lnw, lnb), tok)  # tied output weights
    loss = F.cross_entropy(logits.reshape(-1, sh.vocab), s["targets"].reshape(-1))
    s["opt"].zero_grad()
    loss.backward()
    s["opt"].step()
    return loss


# --------------------------------------------------------------------------------------------
# Linear layers on 3-D input.


def linear3d_setup(shape, out):
    def setup(m):
        return {
            "x": _tensor(m, _randn(shape, np.float32, 1), requires_grad=True),
            "w": _param(m, (out, shape[-1]), 2, shape[-1]),
            "b": _tensor(m, np.zeros(out, np.float32), requires_grad=True),
        }

    return setup


def linear3d(m, s):
    out = m.nn.functional.linear(s["x"], s["w"], s["b"])
    out.sum().backward()
    g = s["w"].grad
    for k in ("x", "w", "b"):
        s[k].grad = None
    return g


def wgrad3d_setup(shape, out):
    def setup(m):
        return {
            "x": _tensor(m, _randn(shape, np.float32, 1)),
            "w": _param(m, (shape[-1], out), 2, shape[-1]),
        }

    return setup


def wgrad3d(m, s):
    (s["x"] @ s["w"]).sum().backward()
    g = s["w"].grad
    s["w"].grad = None
    return g


def _result(m, s, run):
    return _np(run(m, s))


def _pair(name, title, make_setup, run, check, target, tuned, untuned, fmt, **kw):
    """The tuned shape set and the untuned one, one row each (the second's name ends in `_alt`)."""
    return [
        Workload(name, f"{title}, {fmt(tuned)}", make_setup(tuned), run, check, target, **kw),
        Workload(
            f"{name}_alt", f"{title}, {fmt(untuned)} (untuned)", make_setup(untuned), run, check, target, **kw
        ),
    ]


TRAINING = [
    *_pair(
        "cnn_step",
        "CNN step (conv 3x3, relu, max-pool x2, linear, cross-entropy, SGD)",
        cnn_setup,
        cnn_step,
        _loss_and_first_param,
        1.0,
        CnnShape(64, 1, 28, 16, 32),
        CnnShape(48, 3, 20, 12, 24),
        lambda s: f"batch {s.batch}, {s.channels}x{s.size}x{s.size}, channels {s.c1}/{s.c2}",
    ),
    *_pair(
        "resnet_block",
        "ResNet block step (conv 3x3, batch norm, relu, residual, SGD)",
        resnet_setup,
        resnet_step,
        _loss_and_first_param,
        1.0,
        ResShape(32, 64, 32),
        ResShape(16, 48, 24),
        lambda s: f"batch {s.batch}, {s.channels} channels, {s.size}x{s.size}",
    ),
    *_pair(
        "transformer_block",
        "transformer block step (layer_norm, causal attention, gelu MLP, SGD)",
        block_setup,
        block_step,
        _loss_and_first_param,
        1.0,
        BlockShape(8, 64, 128, 4),
        BlockShape(4, 96, 96, 3),
        lambda s: f"batch {s.batch}, {s.tokens} tokens, width {s.width}, {s.heads} heads",
    ),
    *_pair(
        "char_gpt_step",
        "char-level GPT step (embeddings, transformer blocks, cross-entropy, AdamW)",
        gpt_setup,
        gpt_step,
        _loss_and_first_param,
        1.0,
        GptShape(16, 64, 128, 4, 2),
        GptShape(12, 48, 96, 3, 3),
        lambda s: f"batch {s.batch}, context {s.context}, width {s.width}, {s.layers} layers",
        tol=1e-2,
    ),
    *_pair(
        "linear_3d",
        "F.linear on 3-D input, forward + backward",
        lambda sh: linear3d_setup(*sh),
        linear3d,
        _result,
        1.0,
        ((32, 64, 256), 256),
        ((16, 100, 192), 320),
        lambda s: f"{s[0]} -> {s[1]}",
    ),
    *_pair(
        "matmul_3d_wgrad",
        "3-D @ 2-D weight, forward + backward (weight gradient only)",
        lambda sh: wgrad3d_setup(*sh),
        wgrad3d,
        _result,
        1.0,
        ((32, 2, 256), 128),
        ((64, 3, 160), 96),
        lambda s: f"{s[0]} @ ({s[0][-1]}, {s[1]})",
    ),
]

TRAINING_MEMORY = [
    Workload("cnn_peak_mem", "CNN step peak RSS growth", None, None, None, None, memory="cnn_step"),
    Workload(
        "transformer_peak_mem",
        "transformer block step peak RSS growth",
        None,
        None,
        None,
        None,
        memory="transformer_block",
    ),
]
