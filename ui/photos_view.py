"""The one photo view: photos of planting records with their flags in words, for every screen
that shows records, and the one set of flag words (``greening/strings/flags.py``).

The server compares each photo's EXIF with the record (:func:`greening.photos.store_photo`):
no GPS position, taken far from the point, no time, taken long before or after, nearly the same
as another record's photo; a record's own point may lie outside the village reported, or in no
village. :func:`flag_list` / :func:`flag_words` say those flags in the tab's language (the review
queue's table and filter, a record's photos, the team's photos); :func:`show_photos` draws the
thumbnails of one or more records, each captioned with its flags, for the team (after saving, and
in its records), the village page, and the reviewer (:func:`record_photos`, one record).
"""
from __future__ import annotations

import streamlit as st

from greening.actor import Actor
from greening.i18n import fmt_label
from ui.engine import db_session
from ui.i18n_st import lang, tr
from ui.layout import md_escape

__all__ = ["flag_list", "flag_words", "photo_flag_text", "load_photos", "show_photos", "record_photos"]


def flag_list(flags) -> list[str]:
    """Each flag code (the record's or a photo's) as words; an unknown code is shown as it is."""
    from greening.i18n import STRINGS
    from greening.photos import TIME_FAR_DAYS, TOO_FAR_M

    out = []
    for code in flags or ():
        key = f"flag.{code}"
        out.append(tr(key, m=f"{TOO_FAR_M:,.0f}", days=TIME_FAR_DAYS) if key in STRINGS else str(code))
    return out


def flag_words(flags) -> str:
    """The flags in one line ("—" when none), e.g. a cell of the review queue's table."""
    words = flag_list(flags)
    return "；".join(words) if words else "—"


def photo_flag_text(flags) -> str:
    """All flags of one photo in one line (or "place and time look right")."""
    words = flag_list(flags)
    return "；".join(words) if words else tr("photos_view.ok")


def load_photos(actor: Actor, planting_ids) -> list[dict]:
    """The photos of the records (see :func:`greening.photos.photos_of`), within the actor's area."""
    from greening.photos import photos_of

    with db_session(actor) as s:
        return photos_of(s, actor, planting_ids)


def show_photos(actor: Actor, planting_ids, *, per_row: int = 3, photos: list[dict] | None = None,
                empty_note: bool = True, warn: bool = True, width: int = 220) -> int:
    """Thumbnails of the records' photos (``width`` pixels wide), each captioned with its number
    and record; returns how many were shown. A flagged photo gets a warning naming its flags
    (``warn=False``: the flags go into the caption, when the flags are already said above)."""
    photos = load_photos(actor, planting_ids) if photos is None else photos
    if not photos:
        if empty_note:
            st.caption(tr("photos_view.none"))
        return 0
    for start in range(0, len(photos), per_row):
        row = photos[start:start + per_row]
        for column, (n, photo) in zip(st.columns(per_row), enumerate(row, start + 1), strict=False):
            with column:
                caption = f"{tr('photos_view.caption', n=n)} · #{photo['planting_id']}"
                if not photo["flags"] or not warn:
                    caption = fmt_label(caption, photo_flag_text(photo["flags"]), lang())
                try:
                    data = photo["thumb"].read_bytes()
                except OSError:
                    st.caption(f"{caption}（{tr('photos_view.missing')}）")
                    continue
                st.image(data, caption=caption, width=width)
                if photo["flags"] and warn:
                    st.warning(md_escape(tr("photos_view.flagged", flags=photo_flag_text(photo["flags"]))))
    return len(photos)


def record_photos(actor: Actor, planting_id: int) -> int:
    """One record's photos for the reviewer, under a heading; each flagged photo says why."""
    st.markdown(f"**{tr('photos_view.title')}**")
    return show_photos(actor, [int(planting_id)])
