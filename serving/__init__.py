"""Online serving: FastAPI app, cache, widget and dashboards."""
