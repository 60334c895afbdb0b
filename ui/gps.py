"""The phone's position for the log-a-planting page: a button that asks the browser for one fix.

The button is a small Streamlit component (``ui/gps_component/index.html``, no build step): it
calls ``navigator.geolocation.getCurrentPosition`` (high accuracy, no cached fix) and sends back
``{"lat", "lon", "accuracy", "t"}`` exactly as the browser reports it (WGS 84, whatever basemap
is shown), or ``{"error": "denied" | "unavailable" | "timeout" | "unsupported", "t"}``. Like a map
tap (:func:`ui.maps_st.new_click`), each reading is acted on once, told apart by its time ``t``.

The value is read from ``st.session_state[key]`` first, so ``AppTest`` can play a reading the way
it plays a map tap.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components

from ui.i18n_st import tr

__all__ = ["GPS_KEY", "GpsFix", "GpsError", "gps_button", "read_reading", "TIMEOUT_S", "COARSE_M"]

GPS_KEY = "log_gps"
TIMEOUT_S = 20
COARSE_M = 100  # a fix less precise than this is shown with a warning

_component = components.declare_component("greening_gps", path=str(Path(__file__).with_name("gps_component")))


@dataclass(frozen=True)
class GpsFix:
    lon: float
    lat: float
    accuracy_m: float | None


class GpsError(ValueError):
    """No usable position: the message says why and what to do instead."""


def read_reading(value: dict) -> GpsFix:
    """The fix in a reading from the browser, or :class:`GpsError` naming what went wrong."""
    error = value.get("error")
    if error:
        if error == "timeout":
            raise GpsError(tr("gps.timeout", seconds=TIMEOUT_S))
        key = f"gps.{error}" if error in ("denied", "unavailable", "unsupported") else "gps.unavailable"
        raise GpsError(tr(key))
    try:
        lat, lon = float(value["lat"]), float(value["lon"])
        accuracy = value.get("accuracy")
        accuracy = None if accuracy is None else float(accuracy)
    except (KeyError, TypeError, ValueError):
        raise GpsError(tr("gps.invalid", value=repr(value)[:120])) from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180) \
            or (accuracy is not None and not (math.isfinite(accuracy) and accuracy >= 0)):
        raise GpsError(tr("gps.invalid", value=f"lat={lat}, lon={lon}, accuracy={accuracy}"))
    return GpsFix(lon, lat, accuracy)


def gps_button(key: str = GPS_KEY) -> dict | None:
    """Draw the button; return the reading (a fix or an error) that arrived since the last run."""
    value = _component(label=tr("gps.button"), busy=tr("gps.busy"), timeout_ms=TIMEOUT_S * 1000,
                       key=key, default=None)
    state = st.session_state.get(key)
    if isinstance(state, dict):
        value = state
    if not isinstance(value, dict) or value.get("t") is None:
        return None
    marker = f"_handled_{key}"
    if st.session_state.get(marker) == value["t"]:
        return None
    st.session_state[marker] = value["t"]
    return value
