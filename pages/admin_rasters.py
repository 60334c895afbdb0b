"""栅格图层 / Rasters: administrators import land-cover and canopy rasters and see those in force."""
import tempfile
from pathlib import Path

import streamlit as st

from greening.greencover.layers import import_raster, layers_frame, nodata_value, remove_layer
from ui import data
from ui.engine import db_session, engine
from ui.greencover_st import import_progress, raster_upload_mb
from ui.i18n_st import tr, tr_key
from ui.layout import page_header, show_error
from ui.login_gate import require_actor

actor = require_actor("raster.import")
page_header(tr("rasters.title"))
st.caption(tr("rasters.intro"))
upload_mb = raster_upload_mb()
st.caption(tr("rasters.upload_limit", mb=f"{upload_mb:,}"))

with st.form("raster_import", clear_on_submit=False):
    upload = st.file_uploader(tr("rasters.file"), type=["tif", "tiff"], max_upload_size=upload_mb)
    c1, c2 = st.columns(2)
    kind = c1.selectbox(tr("rasters.kind"), ["landcover", "canopy"], format_func=tr_key("rasters.kind."))
    year = c2.number_input(tr("rasters.year"), min_value=1980, max_value=2100, value=2024, step=1)
    classes = st.text_input(tr("rasters.classes"), help=tr("rasters.classes_help"), max_chars=200)
    c3, c4 = st.columns(2)
    nodata = c3.text_input(tr("rasters.nodata"), max_chars=20)
    source = c4.text_input(tr("rasters.source"), max_chars=300)
    submitted = st.form_submit_button(tr("rasters.import"), type="primary", width="stretch")

if submitted and upload is None:
    st.warning(tr("rasters.no_file"))
if submitted and upload is not None:
    with tempfile.TemporaryDirectory(prefix="greening-upload-") as tmp:
        path = Path(tmp) / Path(upload.name).name
        path.write_bytes(upload.getbuffer())
        progress = import_progress()
        try:
            with db_session(actor, write=True) as s:
                nd = nodata_value(nodata)
                layer = import_raster(s, actor, path, kind=kind, year=int(year), classes=classes or None,
                                      nodata=nd, source=source or None, original_name=upload.name,
                                      progress=progress)
                message = tr("rasters.imported", id=layer.id, villages=f"{layer.villages_computed:,}")
            data.invalidate()
            progress.finish()
            st.success(message)
        except (ValueError, PermissionError, LookupError) as exc:
            progress.finish()
            show_error(exc)

st.markdown(f"#### {tr('rasters.in_force')}")
with engine().connect() as conn:
    layers = layers_frame(conn)
if not len(layers):
    st.info(tr("rasters.none"))
else:
    from ui.greencover_st import layers_table

    layers_table(layers)
    with st.form("raster_remove"):
        pick = st.selectbox(tr("rasters.remove"), layers["id"].tolist(),
                            format_func=lambda i: f"#{i} {layers.set_index('id').loc[i, 'year']} "
                                                  f"{layers.set_index('id').loc[i, 'source']}")
        if st.form_submit_button(tr("rasters.remove"), width="stretch"):
            try:
                with db_session(actor, write=True) as s:
                    remove_layer(s, actor, int(pick))
                data.invalidate()
                st.success(tr("rasters.removed", id=pick))
                st.rerun()
            except (ValueError, PermissionError, LookupError) as exc:
                show_error(exc)
