"""Pick the torch device: CUDA when present (a bank's GPU machine), else CPU."""

from __future__ import annotations

from typing import Literal

from bot.errors import ConfigurationError


def resolve_device(requested: Literal["auto", "cpu", "cuda"] = "auto") -> str:
    import torch

    if requested == "cpu":
        return "cpu"
    if torch.cuda.is_available():
        return "cuda"
    if requested == "cuda":
        raise ConfigurationError(
            "TELLER_DEVICE=cuda but torch sees no CUDA GPU; install a CUDA build of torch "
            "or set TELLER_DEVICE=auto"
        )
    return "cpu"


def limit_blas_threads() -> None:
    """Run numpy's per-message math (a few small matrix-vector products) on one BLAS thread.

    With more, OpenBLAS's worker threads spin against torch's on a small machine and a
    0.05 ms product takes 10-100 ms (measured: pipeline p95 112 ms -> 12 ms on 2 cores).
    Process-wide on purpose: the server does no large numpy work after start-up.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")
