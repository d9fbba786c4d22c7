"""Blueprints, one per area: home, auth, planning (coordinators), staff, api (and feeds when present)."""
