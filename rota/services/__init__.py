"""Use cases over the database: each takes a session and never commits (the caller owns the transaction)."""
