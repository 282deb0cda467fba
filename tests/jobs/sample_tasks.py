"""django.tasks functions used by the tasks-backend tests (module level, as Django requires)."""

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
