"""Data files shipped with the project: the publiq taxonomy and Flemish municipalities."""
