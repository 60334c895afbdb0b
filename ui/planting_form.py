"""The log-a-planting screen's parts: picking the place, saying which village it is in, the form,
and saving it exactly once however often it is sent.

One submission id (a uuid) is made when the form is first shown and kept in ``session_state``
until the record is saved and the user asks for a new form: a double tap, or a resend after a
dropped connection, carries the same id, and the planting service stores it once (docs/reliability.md
case 19). After a save the form is replaced by the confirmation, so a queued second tap has no
form to submit.
"""
from __future__ import annotations

import datetime as dt
import uuid

import streamlit as st

from greening.actor import Actor
from greening.area_codes import county_of, town_of
from greening.config import get_settings
from greening.geo.coords import parse_point
from greening.geo.gcj02 import gcj02_to_wgs84
from greening.i18n import fmt_count, fmt_date, fmt_label, fmt_weekday_date
from greening.models.enums import SiteType
from greening.permissions import PermissionDenied
from greening.validation.placement import place
from ui import data
from ui.engine import db_session
from ui.i18n_st import county_name, labels, lang, tr, tr_key, translated
from ui.layout import md_escape, show_error
from ui.photos_view import photo_flag_text, show_photos

__all__ = ["POINT_KEY", "SOURCE_KEY", "SUBMISSION_KEY", "DONE_KEY", "submission_id", "typed_point", "where_is",
           "set_point", "clear_point", "point_picker", "planting_form", "confirmation", "default_date", "rejected_notice"]

POINT_KEY = "log_point"          # (lon, lat) WGS 84
SOURCE_KEY = "log_point_source"  # how the point was picked: {"kind": "gps"|"map"|"typed", "accuracy": m}
SUBMISSION_KEY = "log_submission_id"
DONE_KEY = "log_done"            # message of the last save, shown instead of the form


def _point_keys(prefix: str) -> tuple[str, str]:
    """The point's and its source's keys of one screen (``log``: :data:`POINT_KEY`, :data:`SOURCE_KEY`):
    a point picked for a planting is not the point of a care check, and the other way round."""
    return f"{prefix}_point", f"{prefix}_point_source"


def set_point(point, kind: str, accuracy: float | None = None, *, prefix: str = "log") -> None:
    """The place of the record being prepared, and how it was picked (GPS fixes keep their accuracy)."""
    point_key, source_key = _point_keys(prefix)
    st.session_state[point_key] = (float(point[0]), float(point[1]))
    st.session_state[source_key] = {"kind": kind, "accuracy": accuracy}


def clear_point(*, prefix: str = "log") -> None:
    """No place picked (e.g. the typed coordinates are empty or wrong): nothing of an older point stays."""
    for key in _point_keys(prefix):
        st.session_state.pop(key, None)


def default_date() -> dt.date:
    """The form's date: the report date when it lies before today (demo data, or GREENING_AS_OF),
    so the record counts in the figures shown; else today."""
    return min(data.report_date(), dt.date.today())


def submission_id() -> str:
    """The id of the submission being prepared (made once, kept until the next new form)."""
    if not st.session_state.get(SUBMISSION_KEY):
        st.session_state[SUBMISSION_KEY] = uuid.uuid4().hex
    return st.session_state[SUBMISSION_KEY]


def typed_point(prefix: str = "log"):
    """Coordinates typed by the user (WGS 84 or GCJ-02), as WGS 84 (lon, lat); None when empty or
    not coordinates (the error is shown)."""
    left, right = st.columns([3, 2])
    text = left.text_input(tr("log.coords"), key=f"{prefix}_coords", placeholder="110.3594, 21.2707")
    datum = translated(right.selectbox, tr("log.datum"), ["wgs84", "gcj02"], format_func=tr_key("log.datum."),
                            key=f"{prefix}_datum")
    if not text.strip():
        return None
    try:
        parsed = parse_point(text)
    except ValueError as exc:
        show_error(exc)
        return None
    if parsed.note:
        st.caption(parsed.note)
    lon, lat = (parsed.lon, parsed.lat) if datum == "wgs84" else gcj02_to_wgs84(parsed.lon, parsed.lat)
    return float(lon), float(lat)


def point_picker(actor: Actor, village_code: str, *, prefix: str = "log"):
    """Where: the phone's GPS or a tap on the village's map, or typed coordinates; returns the
    point picked (WGS 84 lon, lat) or None. ``prefix`` names the widgets (``log_map``,
    ``log_gps``, ...), so two screens keep their own map and GPS readings."""
    from ui.gps import GPS_KEY, GpsError, gps_button, read_reading
    from ui.maps_st import (
        basemap_picker,
        cached_render,
        datum_of,
        map_data,
        new_click,
        picked_group,
        render,
        show_map,
    )

    how = translated(st.segmented_control, tr("log.how"), ["map", "typed"], format_func=tr_key("log.how."),
                               key=f"{prefix}_how", default="map", required=True)
    error_key = f"{prefix}_gps_error"
    point_key, source_key = _point_keys(prefix)
    if how == "typed":
        point = typed_point(prefix)
        if point is None:
            clear_point(prefix=prefix)  # an empty or wrong entry leaves no older point (nor its village) on screen
        else:
            set_point(point, "typed", prefix=prefix)
        return st.session_state.get(point_key)
    reading = gps_button(GPS_KEY if prefix == "log" else f"{prefix}_gps")
    if reading is not None:
        try:
            fix = read_reading(reading)
        except GpsError as exc:
            st.session_state[error_key] = str(exc)
        else:
            st.session_state.pop(error_key, None)
            set_point((fix.lon, fix.lat), "gps", fix.accuracy_m, prefix=prefix)
    if st.session_state.get(error_key):
        st.error(md_escape(st.session_state[error_key]))
    st.caption(tr("log.map_hint2"))
    basemap = basemap_picker()
    # A tap arrives in session_state before this run: take it first, so the pin is drawn at once.
    map_key = f"{prefix}_map"
    tapped = new_click(st.session_state.get(map_key) or {}, map_key, basemap)
    if tapped is not None:
        st.session_state.pop(error_key, None)
        set_point(tapped, "map", prefix=prefix)
    # One village coloured by its own plan completion (its figures alone, not its county's
    # computation), built once per village, basemap, language and data version: the tap's and the
    # form's reruns reuse it (the pin is added in the browser: ``dynamic`` below).
    result = cached_render(actor, "log_planting", lambda: render(
        map_data(actor, datum=datum_of(basemap), within=village_code, towns=False, counties=False,
                 villages=data.village_progress(actor, village_code)),
        basemap=basemap, metric="plan_completion", layer_control=False), basemap=basemap, village=village_code)
    source = st.session_state.get(source_key) or {}
    show_map(result, key=map_key, returned_objects=["last_clicked"],
             dynamic=picked_group(st.session_state.get(point_key), basemap, source.get("accuracy")),
             center=st.session_state.get(point_key) if source.get("kind") == "gps" else None, basemap=basemap)
    return st.session_state.get(point_key)


def where_is(actor: Actor, point, claimed_code: str | None, *, prefix: str = "log"):
    """Say which village ``point`` falls in, and warn when it is not the claimed one (``prefix``:
    the screen's, as given to :func:`point_picker`)."""
    st.caption(tr("log.point", lon=point[0], lat=point[1]))
    source = st.session_state.get(_point_keys(prefix)[1]) or {}
    if source.get("kind") == "gps" and source.get("accuracy") is not None:
        from ui.gps import COARSE_M

        accuracy = fmt_count(round(source["accuracy"]), lang())
        st.caption(tr("gps.source", accuracy=accuracy))
        if source["accuracy"] > COARSE_M:
            st.warning(tr("gps.coarse", accuracy=accuracy, limit=COARSE_M))
    found = _locate(actor, *point)
    if found is None:
        st.warning(tr("common.no_village_here"))
        return None
    code, name, town, county = found
    county = county_name(code, county) if code else county  # Suixi County on an English page
    st.success(tr("log.in_village", name=md_escape(name), town=md_escape(town or "—"), county=md_escape(county or "—")))
    if claimed_code and code != claimed_code:
        claimed = data.village_shapes(actor, claimed_code)
        claimed_name = claimed["name"].iloc[0] if len(claimed) else claimed_code
        # The same rule and words as the saved record's warning (greening.validation.placement).
        said = place((code, name), (claimed_code, claimed_name), claimed_has_boundary=True).text()
        st.warning(md_escape(said[1] if lang() == "en" else said[0]))
    return code


def _locate(actor: Actor, lon: float, lat: float):
    """(code, name, town name, county name) of the village containing the point, or None.

    Village names are not secret: a team is told which neighbouring village a point falls in.
    Kept per point and boundaries' version (every rerun with a picked point asks again)."""
    return _located(data.areas_version(), float(lon), float(lat), actor)


@st.cache_data(ttl=3600, show_spinner=False, max_entries=4096)
def _located(areas: str, lon: float, lat: float, _actor: Actor):
    from greening.services.area_views import area_names
    from greening.services.plantings import locate_village

    with db_session(_actor) as s:
        hit = locate_village(s, lon, lat)
        if hit is None:
            return None
        town, county = town_of(hit.code), county_of(hit.code)
        names = area_names(s.connection(), [town, county])
    return hit.code, hit.name, names.get(town), names.get(county)


def _carried_species(actor: Actor, names: dict) -> int | None:
    """The species of the team's last record (shown as carried over), or None."""
    if actor.team_id is None:
        return None
    last = data.recent(actor, team_id=actor.team_id, limit=1)
    if not len(last):
        return None
    species = data.species()
    by_name = dict(zip(species["name_zh"], species["id"], strict=False))
    found = by_name.get(last["species"].iloc[0])
    return found if found in names else None


def planting_form(actor: Actor, point, village_code: str) -> None:
    """The form; on submit, save the planting (once) and its photos, then show the confirmation.

    Species and number have no made-up defaults: the species is the team's last one (said so on
    screen) or must be chosen, and the number must be typed.
    """
    species = data.species()
    if not len(species):
        st.error(tr("log.no_species"))
        return
    sid = submission_id()
    lg = lang()
    names = dict(zip(species["id"], species["name_en"].fillna(species["name_zh"]) if lg == "en" else species["name_zh"], strict=False))
    carried = _carried_species(actor, names)
    sites = labels(SiteType)
    as_of, today = data.report_date(), dt.date.today()
    shot = st.camera_input(tr("log.camera"), key="log_camera") if st.toggle(tr("log.camera"), key="log_use_camera") else None
    st.markdown(f"##### {tr('log.what')}")
    # The species is chosen outside the form: the page runs again when it changes, so the note that
    # it was carried over from the team's last record goes away once another species is chosen.
    options = list(names)
    species_id = translated(st.selectbox, tr("common.species"), options, format_func=names.get, key="log_species",
                              index=options.index(carried) if carried is not None else None,
                              placeholder=tr("log.pick_species"))
    if carried is not None and species_id == carried:
        st.caption(tr("log.carried_species", species=md_escape(names[carried])))
    # The date too, so that the line under it says the date picked as soon as it is picked (inside
    # the form nothing runs before 提交): the calendar's month and day names are the browser's
    # language's (st.date_input has no locale: an English phone showed "June", "S M T W" on the
    # Chinese page), the line is the page's, with the day of the week.
    planted_on = st.date_input(tr("log.date"), value=default_date(), max_value=today, key="log_date")
    st.caption(tr("log.date_picked", date=fmt_weekday_date(planted_on, lg)))
    if as_of < today:
        st.caption(tr("log.date_is_report_date", date=fmt_date(as_of, lg)))
    with st.form("log_form", border=True):
        count = st.number_input(tr("log.count"), min_value=1, max_value=100_000, value=None, step=1, key="log_count",
                                placeholder=tr("log.enter_count"))
        site_type = translated(st.selectbox, tr("common.site_type"), list(sites), format_func=sites.get, key="log_site_type")
        photos = st.file_uploader(tr("log.photos"), type=["jpg", "jpeg", "png", "webp"],
                                  accept_multiple_files=True, key="log_photos",
                                  max_upload_size=get_settings().max_upload_mb)
        with st.expander(tr("log.more")):
            site_name = st.text_input(tr("log.site_name"), max_chars=200, key="log_site_name")
            c3, c4 = st.columns(2)
            party = c3.number_input(tr("log.party_members"), min_value=0, max_value=10_000, value=0, key="log_party")
            villagers = c4.number_input(tr("log.villagers"), min_value=0, max_value=100_000, value=0, key="log_villagers")
            note = st.text_area(tr("log.note"), max_chars=1000, key="log_note", height=68)
        submitted = st.form_submit_button(tr("log.submit"), type="primary", width="stretch")
    if not submitted:
        return
    missing = [tr(key) for key, bad in (("log.no_point", point is None), ("log.need_species", species_id is None),
                                        ("log.need_count", count is None)) if bad]
    if missing:
        st.error(" ".join(missing))
        return
    fields = dict(submission_id=sid, village_code=village_code, lon=point[0], lat=point[1], datum="wgs84",
                  species=int(species_id), tree_count=int(count),
                  planted_on=planted_on, site_type=site_type, site_name=site_name.strip() or None,
                  party_members=int(party), villagers=int(villagers), note=note.strip() or None,
                  team_id=actor.team_id)
    # The confirmation is kept in a dict put in session state BEFORE the save and filled right after
    # it, with no session-state access in between: a second press arriving while this run goes on
    # stops the run at its next session-state access (Streamlit's checkpoint for a rerun request),
    # and a run stopped between the save and a write of the confirmation left the form on screen,
    # so the second press sent it again and the page said both 已登记 and 此前已提交.
    done: dict = {}
    st.session_state[DONE_KEY] = done
    after = (fmt_date(planted_on, lg), fmt_date(as_of, lg)) if planted_on > as_of else None
    try:
        _save(actor, fields, [*(photos or []), *([shot] if shot is not None else [])],
              names.get(species_id, ""), lg, done, after)
    except (ValueError, PermissionDenied) as exc:
        st.session_state.pop(DONE_KEY, None)
        show_error(exc)
        return
    data.invalidate()
    st.rerun()


def _save(actor: Actor, fields: dict, photos: list, species_name: str, lg: str, done: dict,
          after_report_date: tuple[str, str] | None) -> dict:
    """Save the planting, then its photos; ``done`` (the confirmation) is filled as soon as the record
    is stored, before anything else reads session state (see :func:`planting_form`)."""
    from greening.i18n import error_text
    from greening.services.plantings import PlantingInput, create_planting

    with db_session(actor, write=True) as s:
        result = create_planting(s, actor, PlantingInput(**fields))
        planting_id = result.planting.id
    # the date as stored (on a replay, the first sending's), said in the page's language when shown
    done.update({"created": result.created, "id": planting_id, "species": species_name,
                 "planted_on": result.planting.planted_on.isoformat(),
                 "count": fields["tree_count"], "flags": [error_text(w, lg) for w in getattr(result, "warnings", [])],
                 "photos": 0, "photo_flags": [], "photo_errors": []})
    if after_report_date:
        done["after_report_date"] = after_report_date
    # Also on a replay: a photo already stored for the record is recognised, not stored twice.
    stored, failed = _store_photos(actor, planting_id, photos, lg)
    done.update({"photos": len(stored), "photo_flags": stored, "photo_errors": failed})
    return done


def _store_photos(actor: Actor, planting_id: int, photos: list, lg: str) -> tuple[list[list[str]], list[str]]:
    """Store each photo; returns the flags of each stored one and the reasons of the refused ones."""
    if not photos:
        return [], []
    from greening.photos import store_photo

    stored, failed = [], []
    for upload in photos:
        try:
            with db_session(actor, write=True) as s:
                stored.append(list(store_photo(s, actor, planting_id, upload).flags or []))
        except (ValueError, PermissionDenied) as exc:
            from greening.i18n import error_text

            failed.append(error_text(exc, lg))
    return stored, failed


_SCROLL_TOP = """<script>
(function () {
  var doc = window.parent.document;
  var boxes = [doc.querySelector('[data-testid="stMain"]'), doc.querySelector('[data-testid="stAppViewContainer"]'),
               doc.scrollingElement];
  boxes.forEach(function (el) { if (el) { el.scrollTop = 0; } });
})();
</script>"""


def _scroll_to_top() -> None:
    import streamlit.components.v1 as components

    components.html(_SCROLL_TOP, height=0)


def confirmation(actor: Actor) -> bool:
    """After a save: the confirmation and a button for the next record. True while shown."""
    done = st.session_state.get(DONE_KEY)
    if not done:
        return False
    _scroll_to_top()  # on a phone the submit button was two screens down: show the confirmation
    # A repeat of the same submission (a double tap whose second press is handled after the first
    # was saved, or a form sent again after a lost confirmation) is the same record: it is
    # confirmed in full, as the first was, and said to be stored once.
    lg = lang()
    st.success(tr("log.saved", species=md_escape(done["species"]), count=fmt_count(done["count"], lg),
                  date=fmt_weekday_date(done.get("planted_on"), lg), id=done["id"]))
    if not done["created"]:
        st.caption(tr("log.duplicate", id=done["id"]))
    if done.get("after_report_date"):
        planted, as_of = done["after_report_date"]
        st.warning(tr("log.after_report_date", date=planted, as_of=as_of))
    if done.get("photos"):
        st.caption(tr("log.photo_saved", n=done["photos"]))
    for n, flags in enumerate(done.get("photo_flags", []), 1):
        if flags:
            st.warning(md_escape(fmt_label(tr("photos_view.caption", n=n), photo_flag_text(flags), lang())))
    for reason in done.get("photo_errors", []):
        st.warning(tr("log.photo_failed", reason=md_escape(reason)))
    if done.get("flags"):
        st.warning(tr("log.flags", flags=md_escape("；".join(str(f) for f in done["flags"]))))
    if done.get("photos"):
        show_photos(actor, [done["id"]], empty_note=False, warn=False)
    if st.button(tr("log.another"), type="primary", width="stretch", key="log_another"):
        for key in (DONE_KEY, SUBMISSION_KEY, POINT_KEY, SOURCE_KEY, "log_coords", "log_count"):
            st.session_state.pop(key, None)
        st.rerun()
    return True


def rejected_notice(actor: Actor, *, village_code: str | None = None, team_id: int | None = None) -> int:
    """The records a reviewer sent back, each with the reviewer's reason; returns how many."""
    frame = data.rejected(actor, village_code=village_code, team_id=team_id)
    if not len(frame):
        return 0
    lg = lang()
    lines = [tr("rejected.line", date=fmt_date(r.planted_on, lg), species=md_escape(r.species),
                count=fmt_count(r.tree_count, lg), id=r.id,
                reason=md_escape(r.reject_reason) if isinstance(r.reject_reason, str) and r.reject_reason.strip()
                else tr("rejected.no_reason"))
             for r in frame.itertuples()]
    st.warning(f"**{tr('rejected.title', n=len(frame))}**\n\n" + "\n".join(f"- {line}" for line in lines))
    return len(frame)
