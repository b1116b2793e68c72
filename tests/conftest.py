"""Shared test set-up: a fast, deterministic hypothesis profile and the PyTorch policy.

PyTorch is an optional cross-check. Where it is not installed its tests are skipped, unless
MICROGRADRELU_REQUIRE_TORCH=1 (as in CI), where a missing torch is a failure: a skipped
cross-check must never pass silently.
"""

from __future__ import annotations

import os
from types import ModuleType

import pytest
from hypothesis import settings

REQUIRE_TORCH_ENV = "MICROGRADRELU_REQUIRE_TORCH"

# derandomize: the same examples on every run, so a failure reproduces on any machine.
settings.register_profile("fast", derandomize=True, max_examples=40, deadline=None)
# For a longer local search: MICROGRADRELU_HYPOTHESIS_PROFILE=thorough pytest
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("MICROGRADRELU_HYPOTHESIS_PROFILE", "fast"))


def import_torch() -> ModuleType:
    """torch, with float64 tensors built explicitly by the tests; skip or fail if it is absent."""
    try:
        import torch
    except ImportError as exc:
        if os.environ.get(REQUIRE_TORCH_ENV) == "1":
            pytest.fail(
                f"PyTorch is required ({REQUIRE_TORCH_ENV}=1) but cannot be imported: {exc}. "
                "Install it (pip install torch) or unset the variable to skip the cross-checks.",
                pytrace=False,
            )
        pytest.skip(f"PyTorch not installed (set {REQUIRE_TORCH_ENV}=1 to make this a failure)")
    return torch


@pytest.fixture
def torch() -> ModuleType:
    return import_torch()
