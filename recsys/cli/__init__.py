"""The ``recsys`` command line: the composition root of the project."""
