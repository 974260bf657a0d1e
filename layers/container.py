"""Containers: ``Sequential`` (a pipeline), ``ModuleList`` and ``ModuleDict`` (registered
collections). Submodules are named ``"0"``, ``"1"``, ... (or by their dict keys), which
gives PyTorch's state_dict keys such as ``"features.3.weight"``."""
from __future__ import annotations

from collections import OrderedDict
from typing import Iterable, Iterator, Mapping

from minigrad.tensor import Tensor

from .module import Module


def _absolute_index(index: int, length: int) -> int:
    """``index`` in [0, length), counting negative indices from the end."""
    if not -length <= index < length:
        raise IndexError(f"index {index} is out of range for a container of length {length}")
    return index % length


class Sequential(Module):
    """Modules applied in order: ``Sequential(a, b, c)(x) == c(b(a(x)))``.

    Built from modules (named ``"0"``, ``"1"``, ...) or from one OrderedDict
    name -> module. Indexing with an int gives a module, with a slice a new
    Sequential sharing the same modules (and keeping their names).
    """

    def __init__(self, *modules: Module | OrderedDict[str, Module]) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(modules):
                self.add_module(str(index), module)

    def forward(self, x: Tensor) -> Tensor:
        for module in self:
            x = module(x)
        return x

    def __getitem__(self, index: int | slice) -> Module:
        items = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(items[index]))
        return items[_absolute_index(index, len(items))][1]

    def __setitem__(self, index: int, module: Module) -> None:
        name = list(self._modules)[_absolute_index(index, len(self))]
        setattr(self, name, module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> "Sequential":
        """Add ``module`` at the end (named by the current length); returns self."""
        self.add_module(str(len(self)), module)
        return self


class ModuleList(Module):
    """A list of modules whose parameters the parent module sees (a plain Python list
    would hide them). It has no ``forward``: the parent's forward iterates over it."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, index: int | slice) -> Module:
        if isinstance(index, slice):
            return ModuleList(list(self._modules.values())[index])
        return self._modules[str(_absolute_index(index, len(self)))]

    def __setitem__(self, index: int, module: Module) -> None:
        setattr(self, str(_absolute_index(index, len(self))), module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> "ModuleList":
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> "ModuleList":
        """Append every module of ``modules``; returns self."""
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index``; later modules shift up by one."""
        length = len(self)
        index = min(max(index + length if index < 0 else index, 0), length)  # list.insert rules
        for i in range(length, index, -1):  # renumber from the end: "i-1" -> "i"
            self._modules[str(i)] = self._modules[str(i - 1)]
        self.add_module(str(index), module)


class ModuleDict(Module):
    """A dict of modules (insertion order) whose parameters the parent module sees."""

    def __init__(self, modules: Mapping[str, Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: str) -> bool:
        return key in self._modules

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        return self._modules.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._modules.items()

    def update(self, modules: Mapping[str, Module]) -> None:
        """Add or replace the modules of ``modules`` (a mapping name -> module)."""
        for key, module in modules.items():
            self[key] = module
