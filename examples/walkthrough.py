"""The autograd walk-through, run with ``import ferrograd as torch``, then a model fitted by
gradient descent.

Part 1 replays the essay ferrograd was built from (graph attributes, no_grad, backward with and
without an external gradient). Part 2 fits a small two-layer network to noisy samples of
sin(x) with plain gradient descent and prints the loss as it falls.
"""

from __future__ import annotations

import time

import ferrograd as torch
import numpy as np


def walkthrough() -> None:
    print("== creating tensors that require grad")
    x = torch.randn(2, 2, requires_grad=True)
    x = np.array([1.0, 2.0, 3.0])  # only floating point tensors can require gradients
    x = torch.from_numpy(x)
    x.requires_grad_(True)
    print(x)

    print("\n== the graph behind z = x * y")
    x = torch.tensor(1.0, requires_grad=True)
    y = torch.tensor(2.0)
    z = x * y
    for t, name in zip([x, y, z], "xyz"):
        print(
            f"{name}\ndata: {t.data}\nrequires_grad: {t.requires_grad}\n"
            f"grad: {t.grad}\ngrad_fn: {t.grad_fn}\nis_leaf: {t.is_leaf}\n"
        )

    print("== no_grad")
    x = torch.tensor(1.0, requires_grad=True)
    print(x.requires_grad)  # True
    y = x * 2
    print(y.requires_grad)  # True
    with torch.no_grad():
        y = x * 2
        print(y.requires_grad)  # False

    print("\n== backward: dz/dx of z = x ** 3 at x = 1")
    x = torch.tensor(1.0, requires_grad=True)
    z = x**3
    z.backward()
    print(x.grad.data)  # tensor(3.)

    print("\n== a vector output needs an external gradient")
    x = torch.tensor([0.0, 2.0, 8.0], requires_grad=True)
    y = torch.tensor([5.0, 1.0, 7.0], requires_grad=True)
    z = x * y
    try:
        z.backward()
    except RuntimeError as e:
        print(f"RuntimeError: {e}")
    z.backward(torch.FloatTensor([1.0, 1.0, 1.0]))
    print("x.grad =", x.grad, " y.grad =", y.grad)


def fit(steps: int = 600, lr: float = 0.05) -> float:
    """Fits y = sin(x) with a 1-32-1 tanh network by full-batch gradient descent."""
    print("\n== fitting sin(x) with a small network by gradient descent")
    torch.manual_seed(0)
    xs = torch.linspace(-3.0, 3.0, 128).reshape(128, 1)
    ys = xs.sin() + 0.05 * torch.randn(128, 1)
    w1 = (torch.randn(1, 32) * 1.0).requires_grad_()
    b1 = torch.zeros(32, requires_grad=True)
    w2 = (torch.randn(32, 1) * 0.2).requires_grad_()
    b2 = torch.zeros(1, requires_grad=True)
    params = [w1, b1, w2, b2]
    start = time.perf_counter()
    for step in range(steps + 1):
        pred = (xs @ w1 + b1).tanh() @ w2 + b2
        loss = ((pred - ys) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
        if step % 100 == 0:
            print(f"step {step:4d}  loss {loss.item():.5f}")
    elapsed = time.perf_counter() - start
    print(f"final loss {loss.item():.5f} after {steps} steps ({elapsed * 1e3 / steps:.2f} ms/step)")
    return loss.item()


if __name__ == "__main__":
    walkthrough()
    fit()
