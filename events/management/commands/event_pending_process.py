"""L2: turn pending captures into durable events (immediate now, delayed after debounce)."""

from events import db
from queuegov.commands import TickCommand


class Command(TickCommand):
    help = "Process event_pending (gate event.emit_enabled)."
    name = "event_pending_process"

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        super().add_arguments(parser)
        parser.add_argument("--batch-size", type=int, default=1000)

    def call(self, options):  # type: ignore[no-untyped-def]
        return lambda: db.pending_process(options["batch_size"])
