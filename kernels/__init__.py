"""Pure array kernels for minigrad: im2col/col2im, pooling and depthwise convolution.

No autograd here: every function maps arrays to arrays. Each has a generic array path (NumPy,
or CuPy as its array module) and a CUDA kernel (``kernels/gpu/``) that CuPy arrays take unless
:func:`use_custom_gpu_kernels` turns the kernels off; CuPy is imported only when a CuPy array
arrives. Arrays are NCHW; spatial parameters are (h, w) pairs; padding is symmetric;
the dtype of the input is kept. Kernels only ``assert`` their preconditions: the functional
layer (``minigrad.functional``) checks user input and raises the clear errors.
"""

from .avg_pool import avg_pool2d_backward, avg_pool2d_forward
from .depthwise import (depthwise_conv2d_backward_input, depthwise_conv2d_backward_weight,
                        depthwise_conv2d_forward)
from .geometry import Pair, conv_output_size, dilated_span, output_hw, pair
from .gpu.common import use_custom_gpu_kernels
from .im2col import col2im, im2col
from .max_pool import max_pool2d_backward, max_pool2d_forward, max_pool2d_select

__all__ = [
    "Pair",
    "avg_pool2d_backward",
    "avg_pool2d_forward",
    "col2im",
    "conv_output_size",
    "depthwise_conv2d_backward_input",
    "depthwise_conv2d_backward_weight",
    "depthwise_conv2d_forward",
    "dilated_span",
    "im2col",
    "max_pool2d_backward",
    "max_pool2d_forward",
    "max_pool2d_select",
    "output_hw",
    "pair",
    "use_custom_gpu_kernels",
]
