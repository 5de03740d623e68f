"""`python -m litsift` runs the CLI."""

from litsift.cli import main

main()
