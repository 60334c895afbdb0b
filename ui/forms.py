"""Forms that a double press cannot turn into a wrong record.

On a busy server the two presses of a double press arrive while a run is still going and Streamlit
merges them into one request that carries the *second* press's values. A form cleared on submit
(``clear_on_submit=True``) sends empty values with that second press, so the merged request saved
nothing and showed "please fill in ..." (or, for the log-in, counted a failed attempt).

The forms here are therefore never cleared by the browser. A :class:`FormRound` names the form and
its fields with a round number instead; :meth:`FormRound.next` after a saved submission gives a
fresh, empty form on the next run, and a late press of the old form is not delivered (its button
no longer exists).
"""
from __future__ import annotations

import streamlit as st

__all__ = ["FormRound"]


class FormRound:
    """The keys of one form in its current round: ``with st.form(r.key()): ... key=r.key("field")``."""

    def __init__(self, name: str):
        self.name = name
        self.round = int(st.session_state.setdefault(f"{name}__round", 0))

    def key(self, field: str = "") -> str:
        return f"{self.name}_{self.round}_{field}" if field else f"{self.name}_{self.round}"

    def next(self) -> None:
        """The submission was handled: draw a fresh form from the next run on."""
        st.session_state[f"{self.name}__round"] = self.round + 1

    def undo(self) -> None:
        """The submission was not saved after all (:meth:`next` was called before the save): this
        round's form, with what was typed in it, is drawn again."""
        st.session_state[f"{self.name}__round"] = self.round
