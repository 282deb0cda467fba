"""Resume a paused queue (audited)."""

from jobs.management.commands.queue_pause import Command as PauseCommand


class Command(PauseCommand):
    help = "Resume a paused queue."
    verb = "resume"
