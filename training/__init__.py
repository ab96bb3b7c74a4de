"""Offline jobs: train, evaluate, tune, publish candidates."""
