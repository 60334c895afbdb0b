"""Use cases of the campaign, one module per family; each takes a Session and an Actor."""
