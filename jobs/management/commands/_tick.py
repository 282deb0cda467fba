"""The jobs app's cron commands share queuegov.commands.TickCommand."""

from queuegov.commands import TickCommand

__all__ = ["TickCommand"]
