"""microgradrelu: a scalar autodiff engine for learning how networks learn through ReLU,
and where their gradients die."""

from .data import make_circles, make_moons, make_spiral, make_xor
from .engine import Value
from .losses import bce_loss, bce_with_logits_loss, cross_entropy_loss, hinge_loss, mse_loss
from .nn import MLP, Layer, Module, Neuron
from .optim import SGD
from .pages import backprop_page, training_film
from .serialization import load, save
from .torch_bridge import from_torch, to_torch
from .viz import draw_graph, draw_network

__all__ = [
    "MLP",
    "SGD",
    "Layer",
    "Module",
    "Neuron",
    "Value",
    "backprop_page",
    "bce_loss",
    "bce_with_logits_loss",
    "cross_entropy_loss",
    "draw_graph",
    "draw_network",
    "from_torch",
    "hinge_loss",
    "load",
    "make_circles",
    "make_moons",
    "make_spiral",
    "make_xor",
    "mse_loss",
    "save",
    "to_torch",
    "training_film",
]
__version__ = "0.1.0"

# micrograd's names that are called differently here (README: "Coming from micrograd")
_MICROGRAD_NAMES = {"draw_dot": "draw_graph", "trace": "engine.topological_order"}


def __getattr__(name: str) -> object:
    """Reached only for a missing name: `from microgradrelu import draw_dot` says what to use.
    An ImportError, because that is what `from ... import` shows a user (an AttributeError's
    text would be replaced by a generic one)."""
    if name in _MICROGRAD_NAMES:
        raise ImportError(f"microgradrelu has no {name!r}: micrograd's {name} is {_MICROGRAD_NAMES[name]} here")
    raise AttributeError(f"module 'microgradrelu' has no attribute {name!r}")
