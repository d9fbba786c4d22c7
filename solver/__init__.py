"""Pure CP-SAT rostering: a ``Problem`` in, a ``SolveResult`` out.

This package must not import ``rota``, ``web``, Flask or SQLAlchemy.
"""
