"""pytest configuration for the ferrograd parity suite."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))


@pytest.fixture(params=["float32", "float64"])
def dtype(request):
    """The float dtype under test, by name ('float32' or 'float64')."""
    return request.param
