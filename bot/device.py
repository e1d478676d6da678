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
