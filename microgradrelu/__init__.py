"""microgradrelu: a scalar autodiff engine for learning how networks learn through ReLU,
and where their gradients die."""

from .data import make_circles, make_moons, make_xor
from .engine import Value
from .losses import bce_with_logits_loss, hinge_loss, mse_loss
from .nn import MLP, Layer, Module, Neuron
from .optim import SGD
from .serialization import load, save
from .viz import draw_graph, draw_network

__all__ = [
    "MLP",
    "SGD",
    "Layer",
    "Module",
    "Neuron",
    "Value",
    "bce_with_logits_loss",
    "draw_graph",
    "draw_network",
    "hinge_loss",
    "load",
    "make_circles",
    "make_moons",
    "make_xor",
    "mse_loss",
    "save",
]
__version__ = "0.1.0"
