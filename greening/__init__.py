"""Zhanjiang Party-led village greening campaign tracker (党建引领乡村绿化).

The domain package: models, spatial joins, coverage, services, imports. It never imports
Streamlit; the pages in ``pages/`` are a thin layer over it.
"""
__version__ = "0.1.0"
