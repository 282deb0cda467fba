"""Fan delivered events out to their recipients' inboxes."""

from events import db
from queuegov.commands import TickCommand


class Command(TickCommand):
    help = "Deliver events to inboxes (gate event.delivery.enabled)."
    name = "event_deliver"

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        super().add_arguments(parser)
        parser.add_argument("--batch-size", type=int, default=1000)

    def call(self, options):  # type: ignore[no-untyped-def]
        return lambda: db.deliver(options["batch_size"])
