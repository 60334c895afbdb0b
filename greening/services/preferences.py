"""A user's own preferences (the interface language), read and saved by the user themself."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from greening.actor import Actor
from greening.i18n import LANGS
from greening.models import User
from greening.validation.errors import Refusal

__all__ = ["get_language", "set_language"]


def get_language(session: Session, actor: Actor) -> str:
    """The acting user's saved language ("zh" when unknown)."""
    if actor.user_id is None:
        return "zh"
    value = session.scalar(select(User.language).where(User.id == actor.user_id))
    return value if value in LANGS else "zh"


def set_language(session: Session, actor: Actor, lang: str) -> None:
    """Save the acting user's language; audited like every change (greening.audit)."""
    if lang not in LANGS:
        raise Refusal.of("language_unknown", lang=lang, langs=LANGS)
    if actor.user_id is None:
        return
    user = session.get(User, actor.user_id)
    if user is not None and user.language != lang:
        user.language = lang
