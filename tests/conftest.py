"""pytest configuration for the ferrograd parity suite."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))


@pytest.fixture(params=["float32", "float64", "float32-wgpu"])
def dtype(request):
    """The float dtype under test, by name ('float32' or 'float64').

    The "float32-wgpu" case runs the same test with ferrograd's inputs on the wgpu device (see
    helpers.DEVICE; torch stays on the CPU); it is skipped, saying why, when no adapter exists.
    """
    import helpers

    name, _, device = request.param.partition("-")
    if device:
        reason = helpers.wgpu_unavailable_reason()
        if reason:
            pytest.skip(reason)
    helpers.DEVICE = device or "cpu"
    yield name
    helpers.DEVICE = "cpu"
