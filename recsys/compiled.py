"""Compiled numeric kernels: :func:`kernel` wraps numba's ``njit`` for loops numpy cannot express cheaply.

A request ranks about ten candidates; numpy pays several microseconds per
call whatever the size, so loops over trees or pairs of candidates cost more
in call overhead than in work. numba compiles such loops once (cached on
disk beside the module) and runs them without the interpreter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np

F = TypeVar("F", bound=Callable[..., Any])


def kernel(function: F) -> F:
    """Compile ``function`` in nopython mode, cached on disk.

    Parameters
    ----------
    function : callable
        A function of numpy arrays and scalars that numba can compile.

    Returns
    -------
    callable
        The compiled function, with the same signature (compiled at its first call).

    """
    return cast(F, numba.njit(cache=True)(function))


def elementwise(signature: str) -> Callable[[Callable[..., Any]], np.ufunc]:
    """Compile a scalar function into a numpy ufunc of ``signature`` (broadcasts, cached on disk).

    Parameters
    ----------
    signature : str
        numba's type signature, for example ``"float64(float64, float64)"``; compiled when the module loads.

    Returns
    -------
    callable
        A decorator turning the scalar function into the ufunc.

    """

    def compile_ufunc(function: Callable[..., Any]) -> np.ufunc:
        return cast(np.ufunc, numba.vectorize([signature], cache=True)(function))  # type: ignore[no-untyped-call]

    return compile_ufunc
