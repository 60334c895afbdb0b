"""One error style for everything a user is refused: a stable ``code``, ``zh`` and ``en`` messages.

Every refusal the project raises carries the same four attributes, whatever raised it:

- ``code``: a key of :data:`greening.validation.catalogue.CATALOGUE` (or a fixed code such as
  ``permission_denied`` for refusals whose wording is written where they are raised);
- ``zh`` and ``en``: the message, Chinese first (pages show one of them, :func:`greening.i18n.error_text`);
- ``params``: the values the message was filled with (for reports and tests).

:class:`Refusal` is a ``ValueError`` (bad input); :class:`greening.permissions.PermissionDenied`
shares the style through :class:`Refused` but stays a ``PermissionError``, and
:class:`OperationRefused` does the same for any other built-in class (``FileExistsError``,
``RuntimeError``, ``LookupError``), so callers that tell them apart keep working. ``str(refusal)`` is ``"zh / en"``.
"""
from __future__ import annotations

from typing import Self

from greening.validation.catalogue import message

__all__ = ["Refused", "Refusal", "OperationRefused", "FieldError", "ImportFileError", "refusal", "file_error"]


class Refused:
    """The attributes every refusal carries (mixed into an exception class)."""

    code: str = "refused"
    zh: str = ""
    en: str = ""
    params: dict

    def _fill(self, code: str, zh: str, en: str, params: dict | None) -> None:
        self.code, self.zh, self.en, self.params = code, zh, en, dict(params or {})

    def __reduce__(self):
        # Pickled as they are (the raster worker sends refusals back to the app): the default
        # would call __init__ with the message alone, which these signatures refuse.
        return _restore, (type(self), self.args, self.__dict__)


def _restore(cls: type[BaseException], args: tuple, state: dict) -> BaseException:
    refusal = cls.__new__(cls)
    refusal.args = args
    refusal.__dict__.update(state)
    return refusal


class Refusal(Refused, ValueError):
    """Bad input, refused; nothing was written."""

    def __init__(self, code: str, zh: str, en: str, params: dict | None = None):
        super().__init__(f"{zh} / {en}")
        self._fill(code, zh, en, params)

    @classmethod
    def of(cls, code: str, /, **params) -> Self:
        """A refusal of catalogue ``code`` filled with ``params`` (of this class: ``WeakPassword.of``)."""
        zh, en = message(code, **params)
        return cls(code, zh, en, params)


class OperationRefused(Refused):
    """A catalogue refusal that stays the built-in class its callers catch.

    Mixed in before that class: ``class TargetExists(OperationRefused, FileExistsError)``, raised with
    ``TargetExists.of(code, **params)``; ``str()`` is ``"zh / en"`` as for :class:`Refusal`.
    """

    def __init__(self, code: str, zh: str, en: str, params: dict | None = None):
        super().__init__(f"{zh} / {en}")  # type: ignore[call-arg]  # the built-in class mixed in after
        self._fill(code, zh, en, params)

    @classmethod
    def of(cls, code: str, /, **params) -> Self:
        """A refusal of catalogue ``code`` filled with ``params``, of this class."""
        zh, en = message(code, **params)
        return cls(code, zh, en, params)


class FieldError(Refusal):
    """A value refused: ``code`` (catalogue), ``field`` (which input), ``zh``/``en`` messages."""

    def __init__(self, code: str, field: str | None = None, **params):
        zh, en = message(code, **params)
        super().__init__(code, zh, en, params)
        self.field = field


class ImportFileError(Refusal):
    """The file as a whole cannot be imported; nothing was written. ``code`` is in the catalogue."""


def refusal(code: str, /, **params) -> Refusal:
    """A :class:`Refusal` of catalogue ``code`` (raise it)."""
    return Refusal.of(code, **params)


def file_error(code: str, /, **params) -> ImportFileError:
    """An :class:`ImportFileError` of ``code`` (raise it)."""
    zh, en = message(code, **params)
    return ImportFileError(code, zh, en, params)
