"""Pretend handlers for the demo's task types: they take a little time, write log lines
a real handler would write, report progress, and sometimes fail the way real ones do.

They are registered by ``register(registry)`` (the demo puts them into the default
registry, which the GUI's embedded worker uses), never at import: importing this module
must not change what a real worker claims.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prismq_desktop.worker import HandlerRegistry, PermanentError, TaskContext

Result = Callable[[dict[str, Any], random.Random], dict[str, Any]]


class HTTPError(Exception):
    """What an HTTP client raises for a 4xx/5xx answer."""


class RedditAPIException(Exception):
    """What the Reddit client raises when the API refuses."""


def _quota() -> Exception:
    return HTTPError("429 Too Many Requests from youtube.googleapis.com (quota exceeded)")


def _timeout() -> Exception:
    return TimeoutError("read timed out after 30 s")


def _ratelimit() -> Exception:
    return RedditAPIException("RATELIMIT: you are doing that too much, try again in 9 minutes")


def _reset() -> Exception:
    return ConnectionResetError(104, "Connection reset by peer")


def _bad_input() -> Exception:
    return PermanentError("ffmpeg exited with code 1: Invalid data found when processing input")


def _disk_full() -> Exception:
    return OSError(28, "No space left on device", "/scratch/out.mp4")


def _not_an_image() -> Exception:
    return PermanentError("PIL.UnidentifiedImageError: cannot identify image file")


@dataclass(frozen=True)
class DemoJob:
    """One task type's act: run time range (s), log lines (payload fields in braces),
    chance of failing, the errors it fails with, and what it returns."""

    type: str
    seconds: tuple[float, float]
    steps: tuple[str, ...]
    failure_rate: float
    errors: tuple[Callable[[], Exception], ...]
    result: Result


JOBS: tuple[DemoJob, ...] = (
    DemoJob("youtube_search", (0.6, 2.5), (
        "GET youtube/v3/search q={query!r} maxResults={max_results}",
        "page 1: 25 results, nextPageToken=CBkQAA",
        "GET youtube/v3/videos part=statistics for 25 ids",
        "ranked results by views and recency",
    ), 0.08, (_quota, _timeout), lambda p, r: {"videos": r.randint(5, 50)}),
    DemoJob("reddit_scrape", (1.0, 3.5), (
        "GET r/{subreddit}/hot limit={limit}",
        "fetched {limit} posts; expanding comment trees",
        "stored posts and comments",
    ), 0.1, (_ratelimit, _reset), lambda p, r: {"posts": r.randint(20, 100),
                                                 "comments": r.randint(200, 4000)}),
    DemoJob("transcode", (3.0, 8.0), (
        "ffmpeg -i {path} -c:v libx264 -preset veryfast -c:a aac out.{format}",
        "frame= 1800 fps=240 q=23.0 size=   40960kB time=00:01:00.00 speed=8.0x",
        "frame= 5400 fps=236 q=23.0 size=  122880kB time=00:03:00.00 speed=7.9x",
        "frame= 9000 fps=238 q=23.0 size=  204800kB time=00:05:00.00 speed=7.9x",
        "muxing overhead: 0.41%; wrote out.{format}",
    ), 0.12, (_bad_input, _disk_full), lambda p, r: {"output": "/media/out/clip.mp4",
                                                      "size_mb": r.randint(80, 900)}),
    DemoJob("thumbnail", (0.1, 0.5), (
        "open {path}",
        "resize to {width} px wide, save as {format}",
    ), 0.03, (_not_an_image,), lambda p, r: {"thumbnail": "/media/thumbs/cover.jpg"}),
)


class _Fields(dict):
    """Payload values for the log lines; a field the payload lacks shows as ``?``."""

    def __missing__(self, key: str) -> str:
        return "?"


def make_handler(job: DemoJob, speed: float = 1.0) -> Callable[[TaskContext], Any]:
    """The handler for ``job``; ``speed`` > 1 runs it faster (tests). A payload with
    ``"fail": true`` always fails, to try retries and the failure views by hand."""

    def run(ctx: TaskContext) -> dict[str, Any] | None:
        rng = random.Random(ctx.task_id * 7919 + int(ctx.task.attempts or 0))
        step_seconds = rng.uniform(*job.seconds) / speed / len(job.steps)
        failing = ctx.payload.get("fail") is True or rng.random() < job.failure_rate
        fails_at = rng.randrange(len(job.steps)) if failing else None
        fields = _Fields(ctx.payload)
        for index, line in enumerate(job.steps):
            if ctx.wait(step_seconds):
                return None  # cancelled: the engine records why
            text = line.format_map(fields)
            ctx.log("INFO", text)
            ctx.progress((index + 1) / len(job.steps), f"step {index + 1} of {len(job.steps)}")
            if index == fails_at:
                raise rng.choice(job.errors)()
        return job.result(ctx.payload, rng)

    run.__qualname__ = f"{job.type}_handler"
    return run


def register(registry: HandlerRegistry, speed: float = 1.0) -> HandlerRegistry:
    """Add the demo handlers to ``registry`` (again with the same speed is a no-op)."""
    for job in JOBS:
        registry.register(job.type, make_handler(job, speed))
    return registry
