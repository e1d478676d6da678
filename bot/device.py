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


def encoder_threads(side_by_side: bool) -> int:
    """ONNX Runtime intra-op threads for one sentence encoder while serving.

    `side_by_side`: the encoder runs at the same time as another one (the fine-tuned intent
    model's and FAQ retrieval's passes over a message, see `Assistant.understand_many`):
    each gets half of torch's threads, at least one. ONNX Runtime spreads one short message
    poorly over threads: on 2 cores both passes took 9.7 ms one after the other on two
    threads each, 6.2 ms side by side on one each (p50 over 300 BANKING77 messages).
    """
    import torch

    threads = torch.get_num_threads()
    return max(1, threads // 2) if side_by_side else threads
