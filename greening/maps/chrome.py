"""The map's chrome on a phone: touch gestures, the legend, the attribution and the scale bar.

* **Scrolling past a map.** On a touch screen (a coarse pointer) one finger scrolls the page and
  two fingers move and zoom the map: Leaflet's one-finger dragging is switched off, which also
  lets the browser scroll (Leaflet then sets ``touch-action: pan-x pan-y`` instead of ``none``),
  and its pinch handler already pans with the fingers. A one-finger touch shows a short hint.
  Taps still reach the map (picking a place on the log-a-planting page).
* **Legend.** On a narrow map the legend starts folded to its title and opens on a tap, so it
  does not cover the villages and markers under it.
* **Attribution and scale bar.** On a narrow map the attribution is kept to the right of the
  scale bar (smaller type, wrapping) instead of running over it.
* **Pins above clusters.** Demonstration-town and industry-model pins are drawn above the planting
  clusters, and smaller on a narrow map.
"""
from __future__ import annotations

from branca.element import Element, MacroElement
from jinja2 import Template

__all__ = ["PHONE_CSS", "NARROW_PX", "TouchScroll", "add_phone_chrome"]

NARROW_PX = 520  # a map narrower than this is treated as a phone's

PHONE_CSS = f"""
<style>
.gr-two-fingers{{position:absolute;inset:0;z-index:1000;display:flex;align-items:center;justify-content:center;
 background:rgba(0,0,0,.35);color:#fff;font:600 16px/1.4 "Noto Sans CJK SC","PingFang SC",sans-serif;
 pointer-events:none;opacity:0;transition:opacity .2s}}
.gr-two-fingers.gr-show{{opacity:1}}
.gr-legend .gr-legend-title{{cursor:pointer;user-select:none}}
.gr-legend.gr-folded .gr-legend-body{{display:none}}
.gr-legend .gr-legend-title::after{{content:" ▾"}}
.gr-legend.gr-folded .gr-legend-title::after{{content:" ▸"}}
.leaflet-marker-pane .gr-divicon{{z-index:100000!important}}
@media (max-width:{NARROW_PX}px){{
 .leaflet-bottom.leaflet-right .leaflet-control-attribution{{max-width:calc(100vw - 130px);font-size:9px;
  line-height:1.3;white-space:normal;text-align:right}}
 .leaflet-bottom.leaflet-left .leaflet-control-scale{{margin-bottom:4px}}
 .gr-legend{{max-width:60vw;font-size:11px}}
 .gr-pin{{transform:scale(.8)}}
 .gr-model{{transform:scale(.8) rotate(45deg)}}
}}
</style>
"""


class TouchScroll(MacroElement):
    """One finger scrolls the page, two fingers move the map (touch screens only)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function(map) {
            var coarse = window.matchMedia && window.matchMedia('(pointer: coarse)').matches;
            if (!(L.Browser.mobile || (L.Browser.touch && coarse))) { return; }
            map.dragging.disable();
            var box = map.getContainer();
            box.classList.add('gr-touch-scroll');
            var hint = L.DomUtil.create('div', 'gr-two-fingers', box);
            hint.textContent = {{ this.hint|tojson }};
            var timer = null;
            box.addEventListener('touchstart', function(e) {
                if (e.touches.length === 1) {
                    clearTimeout(timer);
                    timer = setTimeout(function() { hint.classList.add('gr-show'); }, 250);
                } else {
                    clearTimeout(timer); hint.classList.remove('gr-show');
                }
            }, {passive: true});
            var off = function() { clearTimeout(timer); setTimeout(function() { hint.classList.remove('gr-show'); }, 600); };
            box.addEventListener('touchend', off, {passive: true});
            box.addEventListener('touchcancel', off, {passive: true});
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, hint: str):
        super().__init__()
        self._name = "TouchScroll"
        self.hint = hint


def add_phone_chrome(m, hint: str) -> None:
    """Add the phone behaviour above to the folium map ``m``."""
    m.get_root().header.add_child(Element(PHONE_CSS), name="greening_phone_css")
    m.add_child(TouchScroll(hint))
