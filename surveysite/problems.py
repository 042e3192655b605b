"""Problems found in content, reported together as `path:line: field: message`."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the content, located in a file."""

    path: str
    line: int
    field: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        field = f" {self.field}:" if self.field else ""
        kind = " warning:" if self.warning else ""
        return f"{where}:{kind}{field} {self.message}"


class ContentError(Exception):
    """Raised when a stage finds problems; carries all of them."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):  # pickled intact when raised in a second build process
        return type(self), (self.problems,)


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """Return ' (did you mean 'x'?)' for a close match, else ''."""
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.75)
    return f" (did you mean '{close[0]}'?)" if close else ""
