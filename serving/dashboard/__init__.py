"""The marketers' dashboard: server-rendered pages over the marketer tools (see :mod:`serving.dashboard.router`)."""
