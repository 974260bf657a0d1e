"""``einsum``: sums of products named by index letters, ``einsum("ij,jk->ik", a, b)``.

Each operand is labelled with one letter per axis; letters shared between operands are
multiplied together, and letters missing from the output are summed over. The gradient for
one operand is itself an einsum: the output gradient times the other operands, with that
operand's letters as the output,

    y = einsum("ij,jk->ik", a, b)   =>   dL/da = einsum("ik,jk->ij", gy, b),

and letters that only that operand has (summed away in the forward pass) are broadcast back.
Kept simple on purpose: letters only (no ``...``), and no letter twice in one operand (no
diagonals or traces, e.g. ``"ii->i"``).
"""
from __future__ import annotations

from collections import Counter
from typing import Sequence

from .. import backend
from ..autograd import Function, Tensor
from ..backend import Array
from .shape import broadcast_to, reshape


class Einsum(Function):
    def __init__(self, inputs: tuple[str, ...], output: str) -> None:
        self.inputs = inputs
        self.output = output

    def forward(self, *arrays: Array) -> Array:
        self.save_inputs(*range(len(arrays)))
        xp = backend.get_array_module(arrays[0])
        return xp.einsum(f"{','.join(self.inputs)}->{self.output}", *arrays)

    def backward(self, gy: Tensor) -> tuple[Tensor | None, ...]:
        operands = self.saved_inputs
        grads = []
        for k, (letters, x) in enumerate(zip(self.inputs, operands)):
            if not self.needs_input_grad[k]:
                grads.append(None)
                continue
            others = [j for j in range(len(operands)) if j != k]
            known = set(self.output).union(*(self.inputs[j] for j in others))
            kept = "".join(c for c in letters if c in known)
            g = Einsum.apply(gy, *(operands[j] for j in others),
                             inputs=(self.output, *(self.inputs[j] for j in others)),
                             output=kept)
            # the letters only x had were summed over: each of their entries gets all of g
            kept_shape = tuple(n if c in known else 1 for c, n in zip(letters, x.shape))
            grads.append(broadcast_to(reshape(g, kept_shape), x.shape))
        return tuple(grads)


def _parse(equation: str, operands: Sequence[Tensor]) -> tuple[tuple[str, ...], str]:
    """The letters of each operand and of the output; checks what :class:`Einsum` supports."""
    equation = equation.replace(" ", "")
    left, arrow, output = equation.partition("->")
    inputs = tuple(left.split(","))
    if not arrow:  # implicit output: the letters used once, in alphabetical order
        counts = Counter("".join(inputs))
        output = "".join(sorted(c for c, n in counts.items() if n == 1))
    if len(inputs) != len(operands):
        raise ValueError(f"einsum: {equation!r} names {len(inputs)} operands, got "
                         f"{len(operands)}")
    sizes: dict[str, int] = {}
    for letters, t in zip(inputs, operands):
        if not letters.isalpha() and letters or not output.isalpha() and output:
            raise ValueError(f"einsum: {equation!r}: only letters are supported (no '...')")
        if len(letters) != t.ndim:
            raise ValueError(f"einsum: {letters!r} names {len(letters)} axes but the operand "
                             f"has shape {t.shape}")
        if len(set(letters)) != len(letters):
            raise ValueError(f"einsum: {letters!r} repeats a letter (diagonals and traces are "
                             f"not supported)")
        for c, n in zip(letters, t.shape):
            if sizes.setdefault(c, n) != n:
                raise ValueError(f"einsum: letter {c!r} has sizes {sizes[c]} and {n} in "
                                 f"{equation!r} (shapes {[t.shape for t in operands]})")
    if set(output) - set(sizes) or len(set(output)) != len(output):
        raise ValueError(f"einsum: output {output!r} must use each operand letter at most once")
    return inputs, output


def einsum(equation: str, *operands: Tensor | Sequence[Tensor]) -> Tensor:
    """``torch.einsum``: ``einsum("ij,jk->ik", a, b)`` is ``a @ b``, ``einsum("bi,bi->b", x,
    y)`` a row-wise dot product, ``einsum("ij->ji", a)`` a transpose. Operands may also come
    as one list. All must share a dtype. Differentiable (twice) in every operand.

    >>> import minigrad as mg
    >>> mg.einsum("i,i->", mg.tensor([1.0, 2.0]), mg.tensor([3.0, 4.0])).item()
    11.0
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands or not all(isinstance(t, Tensor) for t in operands):
        raise TypeError("einsum needs Tensor operands")
    dtypes = {t.dtype for t in operands}
    if len(dtypes) > 1:
        raise TypeError(f"einsum: operands have different dtypes {sorted(map(str, dtypes))}; "
                        f"convert them to one (e.g. .to({operands[0].dtype}))")
    inputs, output = _parse(equation, operands)
    return Einsum.apply(*operands, inputs=inputs, output=output)
