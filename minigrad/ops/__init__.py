"""Differentiable operations on Tensors, one module per family.

Each op is a :class:`minigrad.autograd.Function` (forward on arrays, backward
with differentiable Tensor ops) plus a small public function that accepts
Tensors and Python numbers.
"""
