"""Look models up by name: ``get_model("resnet18", num_classes=10)`` and ``list_models()``.

Each constructor in the zoo registers itself with the :func:`register_model`
decorator, so the training CLI can offer ``--model NAME`` without a hand-kept list.
"""
from __future__ import annotations

from typing import Any, Callable, TypeVar

from ..module import Module

Constructor = TypeVar("Constructor", bound=Callable[..., Module])

_MODELS: dict[str, Callable[..., Module]] = {}


def register_model(constructor: Constructor) -> Constructor:
    """Decorator: make ``constructor`` available to :func:`get_model` under its own name."""
    name = constructor.__name__
    if name in _MODELS:
        raise ValueError(f"a model named {name!r} is already registered")
    _MODELS[name] = constructor
    return constructor


def list_models() -> list[str]:
    """The names :func:`get_model` accepts, sorted."""
    return sorted(_MODELS)


def get_model(name: str, **kwargs: Any) -> Module:
    """Build the model registered as ``name``; ``kwargs`` go to its constructor
    (``num_classes``, ``in_channels``, ``small_input``, ``variant``, ...)."""
    try:
        constructor = _MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; available: {', '.join(list_models())}") \
            from None
    return constructor(**kwargs)
