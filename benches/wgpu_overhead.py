"""Host-side cost of one small wgpu op (recording and submitting; the GPU work is negligible).

Run: python benches/wgpu_overhead.py  (needs a wgpu adapter)
"""

import time

import ferrograd as fg


def per_op_us(fn, n=2000):
    for _ in range(100):
        fn()
    fg.wgpu.synchronize()
    t = time.perf_counter()
    for _ in range(n):
        fn()
    fg.wgpu.synchronize()
    return (time.perf_counter() - t) / n * 1e6


if __name__ == "__main__":
    x = fg.ones(1000, device="wgpu")
    y = fg.ones(1000, device="wgpu")
    print(fg.wgpu.get_device_name())
    print(f"x + y (1000 floats): {per_op_us(lambda: x + y):.1f} us per op, synchronized every 2000")
    print(f"x.sum(): {per_op_us(lambda: x.sum()):.1f} us per op")
    print(f"x * 2 (scalar operand): {per_op_us(lambda: x * 2):.1f} us per op")
