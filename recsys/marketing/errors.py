"""Errors of the marketer tools, each one a case an API can turn into a clear response."""

from __future__ import annotations

from recsys.domain.errors import RecsysError


class AudienceTooSmallError(RecsysError):
    """A list of pseudonymous ids was asked for an audience below the privacy minimum.

    Parameters
    ----------
    size : int
        Users in the audience.
    minimum : int
        The smallest audience whose ids may be listed.

    """

    def __init__(self, size: int, minimum: int) -> None:
        self.size = size
        self.minimum = minimum
        super().__init__(
            f"the audience has {size} user(s); ids are listed only for audiences of at least {minimum} "
            "(privacy minimum); ask for counts instead, or widen the audience"
        )


class ModelRequiredError(RecsysError):
    """A rule or a request needs a trained model with latent factors and none was given."""


class NotFoundError(RecsysError, KeyError):
    """A saved segment, experiment or version does not exist.

    Parameters
    ----------
    kind : str
        ``segment``, ``experiment``, ...
    name : str
        What was asked for (``young-gent`` or ``young-gent v3``).

    """

    def __init__(self, kind: str, name: str) -> None:
        self.kind = kind
        self.name = name
        super().__init__(f"no {kind} {name!r}")

    def __str__(self) -> str:
        return f"no {self.kind} {self.name!r}"
