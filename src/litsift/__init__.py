"""litsift: systematic literature reviews as code."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("litsift")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+local"
