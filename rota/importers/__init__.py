"""Importers and exporters for external rostering formats (e.g. the Curtois benchmark).

Kept light on purpose: ``python -m rota.importers.curtois_eval`` must not pull in the solver.
"""
