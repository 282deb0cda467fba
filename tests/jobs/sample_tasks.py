"""django.tasks functions used by the tasks-backend tests (module level, as Django requires)."""

import asyncio

from django.tasks import task


@task()
def add(a: int, b: int) -> int:
    return a + b


@task(priority=10, queue_name="maintenance")
def shout(word: str) -> str:
    return word.upper()


@task()
def explode(message: str) -> None:
    raise ValueError(message)


@task(takes_context=True)
def which_attempt(context) -> int:  # type: ignore[no-untyped-def]
    return context.attempt


@task(takes_context=True)
def flaky(context) -> int:  # type: ignore[no-untyped-def]
    """Fails its first attempt; the attempt number of the one that succeeds."""
    if context.attempt == 1:
        raise RuntimeError("first attempt fails")
    return context.attempt


@task()
def bail(code: int) -> None:
    raise SystemExit(code)


@task()
def interrupted() -> None:
    raise KeyboardInterrupt("stop")


@task()
async def count_task_jobs() -> int:
    """An async task that queries the database (through the ORM's async API)."""
    from jobs.models import Job

    await asyncio.sleep(0)
    return await Job.objects.filter(job_kind__startswith="task:").acount()


@task()
def leaky() -> dict[str, str]:
    """Returns what a job result may not hold (a prohibited key)."""
    return {"password": "hunter2"}


@task(takes_context=True)
def sum_inputs(context) -> int:  # type: ignore[no-untyped-def]
    """A workflow step: the sum of what its dependencies (``add`` steps) returned."""
    from workflows.spec import inputs

    return sum(dep["result"]["return_value"] for dep in inputs(context.task_result.id)["inputs"].values())


@task()
def split_in(parts: int) -> dict[str, int]:
    """A workflow step that adds a workflow of ``parts`` additions and a sum of them."""
    from workflows.spec import Step
    from workflows.spec import add as add_workflow

    steps = [Step.task(f"p{i}", add, i, i) for i in range(parts)]
    steps.append(Step.task("total", sum_inputs, depends_on=[f"p{i}" for i in range(parts)]))
    add_workflow("parts", steps)
    return {"parts": parts}
