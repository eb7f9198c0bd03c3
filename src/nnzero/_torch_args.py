"""What the course library leaves out of torch's arguments, refused with a message that says so.

Every function and layer of ``nnzero`` that has a torch counterpart takes the arguments it
supports under torch's names, in torch's positions, with torch's defaults. The rest of torch's
arguments (``reduction``, ``groups``, ``amsgrad``...) are not part of the course library:
[`subset_of`][nnzero._torch_args.subset_of] makes a call that passes one of them fail with a
message naming it and the torch function to use instead, never quietly compute something else.
"""

import functools
import inspect
from collections.abc import Callable
from typing import NoReturn, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def subset_of(
    torch_name: str, check: Callable[..., None] | None = None, **torch_only: object
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Makes a function (or an ``__init__``) refuse the torch arguments it does not support.

    Args:
        torch_name: The torch counterpart, e.g. ``"torch.optim.Adam"``.
        check: Called before the function runs with all its arguments by name (defaults
            filled in); it raises ``ValueError`` for inputs that the library does not handle.
        **torch_only: torch's arguments that the library leaves out, each with torch's
            default. Passing one with its default value is accepted: it changes nothing.

    Returns:
        A decorator.
    """

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        where = f"{function.__module__}.{function.__qualname__.removesuffix('.__init__')}"

        signature = inspect.signature(function)

        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            for name in [name for name in kwargs if name in torch_only]:
                value, default = kwargs.pop(name), torch_only[name]
                if value is not default and not (_plain(value) and value == default):
                    raise TypeError(
                        f"{where}: {name}={value!r} is not supported by the course library "
                        f"(it always works as {name}={default!r}); use {torch_name}"
                    )
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as error:
                raise TypeError(f"{where}{signature}: {error}") from None
            if check is not None:
                bound.apply_defaults()
                check(**bound.arguments)
            return function(*args, **kwargs)

        return wrapper

    return decorate


def init_subset_of(
    cls: type, torch_name: str, check: Callable[..., None] | None = None, **torch_only: object
) -> None:
    """Applies [`subset_of`][nnzero._torch_args.subset_of] to ``cls.__init__``, after the class.

    Written after the class rather than as a decorator inside it, so that the class as the
    pages show it has no argument checks in the way.
    """
    cls.__init__ = subset_of(torch_name, check, **torch_only)(cls.__init__)  # type: ignore[misc]


def check_forward(cls: type, check: Callable[..., None]) -> None:
    """Makes ``cls.forward`` call ``check(self, x)`` first, kept out of the class's listing."""
    forward = cls.forward  # type: ignore[attr-defined]

    @functools.wraps(forward)
    def checked(self: object, x: object) -> object:
        check(self, x)
        return forward(self, x)

    cls.forward = checked  # type: ignore[attr-defined]


def _plain(value: object) -> bool:
    """Whether ``value`` is a number, a string or ``None``, which compare with ``==`` safely."""
    return value is None or isinstance(value, bool | int | float | str)


def refuse(where: str, message: str) -> NoReturn:
    """Raises ``ValueError`` with ``where`` in front of ``message``."""
    raise ValueError(f"{where}: {message}")


def check_int(where: str, name: str, value: object, minimum: int) -> None:
    """Refuses anything but an ``int`` of at least ``minimum`` (torch also takes tuples)."""
    if isinstance(value, bool) or not isinstance(value, int):
        refuse(where, f"{name} must be an int, got {value!r} (tuples are torch-only)")
    if value < minimum:
        refuse(where, f"{name} must be at least {minimum}, got {value}")
