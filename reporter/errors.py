"""Errors a person reading a cron mail can act on, and the exit codes they map to."""

from __future__ import annotations

# Exit codes (documented in the README). 0 is success; click uses 2 for usage errors.
EXIT_USAGE = 2
EXIT_CONFIG = 3
EXIT_INPUT = 4
EXIT_RENDER = 5
EXIT_DELIVERY = 6


class ReporterError(Exception):
    """Base class: the message is meant for a person, the exit code for cron."""

    exit_code = 1


class ConfigError(ReporterError):
    exit_code = EXIT_CONFIG


class InputError(ReporterError):
    exit_code = EXIT_INPUT


class PeriodError(ReporterError):
    exit_code = EXIT_USAGE


class DeliveryError(ReporterError):
    """E-mail could not be sent (SMTP refused, unreachable, bad certificate) or settings are missing."""

    exit_code = EXIT_DELIVERY
