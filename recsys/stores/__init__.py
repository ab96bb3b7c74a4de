"""Durable stores: the catalogue and the append-only interaction log."""
