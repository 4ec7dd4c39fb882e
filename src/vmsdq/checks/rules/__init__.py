"""Compile functions of the shipped rule types, one module per type."""
