"""Domain model: events, places, organisers, users, interactions, taxonomy."""
