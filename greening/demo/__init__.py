"""The deterministic demo campaign: Zhanjiang's real counties, generated towns and villages,
teams, people, designations, plans, plantings and checks, all marked as demo data.

- :func:`load_demo` writes it into an empty database and returns a :class:`DemoSummary`.
- :func:`generate_campaign` builds the same data as frames, without a database.
- :func:`intended_laggards` says which villages lag on purpose, and why.
- :func:`load_species_catalogue` reads the (real) species catalogue, ``data/species.csv``.

Modules: ``geography`` (tessellation), ``names``, ``people``, ``designations``, ``plans``,
``plantings``, ``checks``, ``attestations``, ``lagging_truth``, ``calendar`` (the 2024 season,
reported as of 10 June 2024), ``campaign`` (orchestration), ``load`` (the database writer).
"""
from greening.demo.campaign import DemoCampaign, generate_campaign
from greening.demo.catalogue import load_species_catalogue
from greening.demo.lagging_truth import REASONS, intended_laggards
from greening.demo.load import load_demo
from greening.demo.summary import DemoSummary

__all__ = ["load_demo", "generate_campaign", "DemoCampaign", "DemoSummary", "intended_laggards",
           "REASONS", "load_species_catalogue"]
