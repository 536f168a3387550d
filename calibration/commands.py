"""Calibration commands of the CLI (calibrate, sensitivity, validate)."""


def register(subparsers) -> None:
    """Add the calibration commands to the CLI."""
