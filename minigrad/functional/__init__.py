"""Stateless differentiable ops for building networks (``import minigrad.functional as F``).

Names, arguments and defaults follow ``torch.nn.functional``; images are NCHW.
"""
from ..ops.activation import leaky_relu, log_softmax, relu, relu6, sigmoid, softmax, tanh
from .dropout import dropout
from .linear import linear
from .loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
                   mse_loss, nll_loss, one_hot)
from .conv import conv2d, conv_transpose2d, set_workspace_limit, workspace_limit
from .pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from .padding import pad
from .normalization import batch_norm, group_norm, layer_norm, local_response_norm
from .simple import conv2d_simple, max_pool2d_simple
