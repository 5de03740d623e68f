"""litsift: systematic literature reviews as code."""

# the one place the version is declared (pyproject.toml reads it from here)
__version__ = "0.1.0"
