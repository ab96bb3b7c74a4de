"""Importers and loaders that turn outside data into domain objects."""
