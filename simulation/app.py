"""The teaching app (`migsim app`): registered with the CLI here."""


def register(subparsers) -> None:
    """Add the `app` command to the CLI."""
