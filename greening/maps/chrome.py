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
* **Pins clear of clusters.** Demonstration-town and industry-model pins are drawn above the
  planting clusters (smaller on a narrow map), and never on top of a cluster bubble or of each
  other, nor hidden under the map's controls: after every zoom, move or layer change a pin that
  would cover one (or sit under a control) is moved to the nearest
  free place around its true position (within 150 px, else the nearest free place on the map),
  with a thin line to that position,
  so both the pin and the bubble can be read and tapped. Only the pin itself takes taps, not the
  spot it was moved from.
"""
from __future__ import annotations

from branca.element import Element, MacroElement
from jinja2 import Template

__all__ = ["PHONE_CSS", "NARROW_PX", "TouchScroll", "PinsClearOfClusters", "add_phone_chrome"]

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
.leaflet-marker-pane .gr-divicon{{z-index:100000!important;pointer-events:none!important}}
.leaflet-marker-pane .gr-divicon .gr-pin{{pointer-events:auto;position:relative}}
.gr-leader{{position:absolute;left:11px;top:11px;height:0;border-top:1.5px solid rgba(40,40,40,.85);
 transform-origin:0 0;pointer-events:none}}
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


class PinsClearOfClusters(MacroElement):
    """Moves a designation pin off any cluster bubble (or other pin) it would cover; see above."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function(map) {
            var box = map.getContainer(), timer = null;
            function rectOf(el, origin) {
                var r = el.getBoundingClientRect();
                return {l: r.left - origin.left, t: r.top - origin.top, r: r.right - origin.left, b: r.bottom - origin.top};
            }
            function hits(a, b) { return a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b; }
            function moved(a, dx, dy) { return {l: a.l + dx, t: a.t + dy, r: a.r + dx, b: a.b + dy}; }
            function place(icon, dx, dy) {
                var pin = icon.querySelector('.gr-pin'), line = icon.querySelector('.gr-leader');
                pin.style.left = dx + 'px'; pin.style.top = dy + 'px';
                if (!dx && !dy) { if (line) { line.remove(); } return; }
                if (!line) { line = document.createElement('div'); line.className = 'gr-leader'; icon.insertBefore(line, pin); }
                line.style.width = Math.sqrt(dx * dx + dy * dy) + 'px';
                line.style.transform = 'rotate(' + Math.atan2(dy, dx) + 'rad)';
            }
            function declutter() {
                var origin = box.getBoundingClientRect(), w = origin.width, h = origin.height;
                var icons = Array.prototype.slice.call(box.querySelectorAll('.leaflet-marker-pane .gr-divicon'));
                icons = icons.filter(function(icon) { return icon.querySelector('.gr-pin'); });
                icons.forEach(function(icon) { place(icon, 0, 0); });
                // cluster bubbles, and the map's own controls (zoom, layers, legend, scale, attribution)
                var taken = Array.prototype.map.call(box.querySelectorAll('.leaflet-marker-pane .marker-cluster, .leaflet-control'), function(el) {
                    var r = rectOf(el, origin); return {l: r.l - 2, t: r.t - 2, r: r.r + 2, b: r.b + 2};
                });
                icons.forEach(function(icon) {
                    var pin = icon.querySelector('.gr-pin');
                    var home = rectOf(pin, origin), best = null, fallback = null, fewest = Infinity;
                    // a pin off the map stays off it (never pulled into view onto something else)
                    var homeIn = home.r > 0 && home.b > 0 && home.l < w && home.t < h;
                    for (var ring = 0; ring <= 15 && best === null; ring++) {
                        var steps = ring ? 24 : 1;
                        for (var k = 0; k < steps; k++) {
                            var a = -Math.PI / 2 + 2 * Math.PI * k / steps, d = 10 * ring;
                            var dx = Math.round(d * Math.cos(a)), dy = Math.round(d * Math.sin(a));
                            var c = moved(home, dx, dy), n = 0;
                            var inside = c.l >= 0 && c.t >= 0 && c.r <= w && c.b <= h;
                            taken.forEach(function(o) { if (hits(c, o)) { n++; } });
                            if (!n && (inside || !ring || !homeIn)) { best = [dx, dy]; break; }
                            if (inside && n < fewest) { fewest = n; fallback = [dx, dy]; }
                        }
                    }
                    if (best === null && homeIn) {
                        // a crowded corner: the nearest free place anywhere on the map (a longer line)
                        var far = Infinity, pw = home.r - home.l, ph = home.b - home.t;
                        for (var x = 0; x + pw <= w; x += 6) {
                            for (var y = 0; y + ph <= h; y += 6) {
                                var gx = Math.round(x - home.l), gy = Math.round(y - home.t), g = moved(home, gx, gy);
                                var dist = gx * gx + gy * gy;
                                if (dist < far && !taken.some(function(o) { return hits(g, o); })) { far = dist; best = [gx, gy]; }
                            }
                        }
                    }
                    var at = best || fallback || [0, 0];
                    if (best) { delete icon.dataset.crowded; } else { icon.dataset.crowded = '1'; }
                    place(icon, at[0], at[1]);
                    taken.push(moved(home, at[0], at[1]));
                });
            }
            function later() { clearTimeout(timer); timer = setTimeout(declutter, 350); }
            map.on('zoomend moveend layeradd layerremove resize', later);
            // cluster bubbles glide into place (a CSS transition) after a zoom: measure when they stop
            box.addEventListener('transitionend', function(e) {
                if (e.target.classList && e.target.classList.contains('marker-cluster')) { later(); }
            }, true);
            later();
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self):
        super().__init__()
        self._name = "PinsClearOfClusters"


def add_phone_chrome(m, hint: str) -> None:
    """Add the phone behaviour above to the folium map ``m``."""
    m.get_root().header.add_child(Element(PHONE_CSS), name="greening_phone_css")
    m.add_child(TouchScroll(hint))
    m.add_child(PinsClearOfClusters())
