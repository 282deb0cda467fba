"""Demo data for the staging use cases (docs/staging.md): one example each of the
vector sync, the staging puller and a DOT run on the queue, made through the SQL
API as the demo's people would make them, so the admin has something to show.

Called once by the demo seed (queuegov/ops/demo.py); safe to call again: each
step checks what is already there."""

from __future__ import annotations

import hashlib
from typing import Any

from jobs import db as jobs_db
from queuegov.actor import Actor, actor_context
from staging import db

DEMO_SOURCE = "demo:/kb/travel.md"
DEMO_PUBLISHED = "# Travel\n\nHow we travel.\n\n## Trains\n\nSecond class.\n\n## Hotels\n\nUp to three stars.\n"
DEMO_WAITING = "# Parking\n\nWhere to park.\n"
DOT_HOST = "demo-dot-host"


def _pieces(title: str, intro: str, chapters: list[tuple[str, str]]) -> list[dict[str, Any]]:
    pieces = [{"piece_no": 1, "sort_order": 1, "section_type": "document", "heading": title, "text": intro}]
    for n, (heading, text) in enumerate(chapters, start=2):
        pieces.append(
            {"piece_no": n, "sort_order": n, "section_type": "chapter", "heading": heading,
             "parent_piece_no": 1, "text": text}
        )  # fmt: skip
    return pieces


def _mark(source: str, text: str, pieces: list[dict[str, Any]], doc_code: str) -> dict[str, Any]:
    digest = hashlib.sha256(text.encode()).hexdigest()
    with actor_context(Actor.for_command("demo_seed")):
        answer = db.mark_file(source, digest, len(text.encode()), pieces, doc_code, f"demo:{doc_code}:{digest}")
    return answer | {"source_hash": digest}


def _vector_sync(user: Any) -> list[str]:
    """A cut document: its units get sync points, behind until vector.sync.enabled opens."""
    marked = _mark(
        DEMO_SOURCE,
        DEMO_PUBLISHED,
        _pieces("Travel", "How we travel.", [("Trains", "Second class."), ("Hotels", "Up to three stars.")]),
        "DEMO-TRAVEL",
    )
    record_id = marked["record_id"]
    if db.record_status(record_id) == "pending_review":
        # four-eyes: the seed command marked it, the operator approves it
        with actor_context(Actor.for_user(user)):
            db.verify_mark(record_id, apply=True, approval_doc_id="DEMO-APPROVAL-1", reason="demo: the travel policy")
    if db.record_status(record_id) == "approved":
        with actor_context(Actor.for_user(user)):
            db.cut(record_id, marked["source_hash"])
    with actor_context(Actor.for_command("demo_seed")):
        catch_up = db.vector_sync_catch_up(100)
    behind = db.vector_sync_behind("DEMO-TRAVEL")
    return [
        f"vector sync: DEMO-TRAVEL cut into units (manifest #{record_id}); {behind} units behind the vector store,"
        f" catch-up answered {catch_up['status']} (open vector.sync.enabled to enqueue their vector.sync jobs)"
    ]


def _puller() -> list[str]:
    """A manifest left waiting: the puller gives the reviewers its verdict and reminds the approvers."""
    waiting = _mark("demo:/kb/parking.md", DEMO_WAITING, _pieces("Parking", "Where to park.", []), "DEMO-PARKING")
    with actor_context(Actor.for_command("demo_seed")):
        verdicts = db.puller_verify_new(100)
        reminders = db.puller_remind(100)
    return [
        f"staging puller: manifest #{waiting['record_id']} (DEMO-PARKING) waits for approval;"
        f" verify_new gave {verdicts['verdicts']} verdicts, remind told approvers of {reminders['approval_waiting']}"
        f" and operators of {reminders['cut_waiting']} manifests"
    ]


def _dot_run(user: Any) -> list[str]:
    """A DOT healthcheck enqueued as a job, then run by a stand-in DOT host: the run names the job, the job the run."""
    with actor_context(Actor.for_user(user)):
        enqueued = db.dot_command_enqueue("dot_queue_healthcheck", "demo: queue health as run evidence", "demo:dot:1")
    if enqueued["status"] not in ("enqueued", "duplicate"):
        return [f"DOT run: dot_queue_healthcheck not enqueued ({enqueued['status']}: {enqueued.get('gate')})"]
    job_id = enqueued["job_id"]
    with actor_context(Actor.for_worker(DOT_HOST)):
        claimed = jobs_db.claim(DOT_HOST, ["dot"], 1, 300, executor_class="dot", kinds=["dot.command"])
        jobs = [j for j in claimed.get("jobs", []) if j["id"] == job_id]
        if not jobs:
            return [f"DOT run: job #{job_id} (dot_queue_healthcheck) waits for a DOT host ({claimed['status']})"]
        answer = db.dot_command_run(job_id, DOT_HOST, jobs[0]["attempt"])
        jobs_db.ack_many(DOT_HOST, [job_id], [jobs[0]["attempt"]], [answer])
    return [f"DOT run: job #{job_id} ran dot_queue_healthcheck as run #{answer['run_id']} ({answer['run_status']})"]


def seed_use_cases(actor_user: Any) -> list[str]:
    """Seed one example of each staging use case as ``actor_user`` (an operator); returns what was made."""
    return [*_vector_sync(actor_user), *_puller(), *_dot_run(actor_user)]
