"""数据导入 / Imports: planting ledgers (teams and leads, in their area) and boundary files (admins)."""
import streamlit as st

from greening.permissions import allowed
from ui.i18n_st import tr
from ui.imports import boundary_import, ledger_import
from ui.layout import page_header
from ui.login_gate import require_actor

actor = require_actor("import.ledger")
page_header(tr("imports.title"))
if allowed(actor, "import.boundaries"):
    ledger_tab, boundary_tab = st.tabs([tr("imports.tab.ledger"), tr("imports.tab.boundaries")])
    with ledger_tab:
        ledger_import(actor)
    with boundary_tab:
        boundary_import(actor)
else:
    ledger_import(actor)
