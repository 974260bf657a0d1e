"""Stateless differentiable ops for building networks (``import minigrad.functional as F``).

Names, arguments and defaults follow ``torch.nn.functional``; images are NCHW.
"""
from ..ops.activation import log_softmax, relu, sigmoid, softmax, tanh
from .activation import leaky_relu, relu6
from .linear import dropout, linear
from .loss import cross_entropy, mse_loss, nll_loss
