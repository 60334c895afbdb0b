"""Streamlit glue shared by the pages: the log-in gate, cached loaders, language, map display."""
