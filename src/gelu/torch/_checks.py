"""Argument checks shared by the public functions, the modules and the ops."""
from __future__ import annotations

import torch

APPROXIMATE = ("none", "tanh")
DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)


def approximate(value: object, name: str = "approximate") -> str:
    """Return ``value`` if it names a GELU variant, else raise."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, one of {APPROXIMATE}, got {type(value).__name__}")
    if value not in APPROXIMATE:
        raise ValueError(f"{name} must be one of {APPROXIMATE}, got {value!r}")
    return value


def tensor(value: object, name: str = "input") -> torch.Tensor:
    """Return ``value`` if it is a floating tensor gelu.torch computes, else raise."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if value.dtype not in DTYPES:
        raise TypeError(
            f"{name} must have dtype float16, bfloat16, float32 or float64, got {value.dtype}"
        )
    if value.is_nested:
        # a nested tensor can have the strided layout too; its components
        # are not one array of the kernels' kind
        raise TypeError(f"{name} must be a dense tensor, got a nested tensor; "
                        f"gelu.torch.gelu and gelu.torch.GELU take nested tensors")
    if value.layout != torch.strided:
        # sparse and mkldnn layouts: the kernels read dense memory
        raise TypeError(f"{name} must be a dense (torch.strided) tensor, got layout {value.layout}; "
                        f"convert it with .to_dense()")
    return value


def pair(grad: torch.Tensor, x: torch.Tensor) -> None:
    """Raise unless ``grad`` matches ``x`` in shape, dtype and device."""
    if grad.shape != x.shape:
        raise ValueError(f"grad must have the shape of x {tuple(x.shape)}, got {tuple(grad.shape)}")
    if grad.dtype != x.dtype:
        raise TypeError(f"grad must have the dtype of x ({x.dtype}), got {grad.dtype}")
    if grad.device != x.device:
        raise ValueError(f"grad must be on the device of x ({x.device}), got {grad.device}")
