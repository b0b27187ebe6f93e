"""Long portal actions run in a background thread; the page polls their step and elapsed time."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field


class Refused(Exception):
    """The work was refused (a guardrail, four eyes): the job ends `refused` with this message, not `failed`."""


@dataclass
class Job:
    id: str
    title: str
    step: str = "queued"
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    error: str = ""  # the refusal or failure, with its fix
    refused: bool = False

    @property
    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    @property
    def state(self) -> str:
        if self.finished is None:
            return "running"
        return "refused" if self.refused else "failed" if self.error else "done"


Work = Callable[[Callable[[str], None]], None]  # the work, given a function that reports its current step


class Jobs:
    """The portal's jobs: one at a time per queue (a second job of the same queue waits for the first)."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def start(self, queue: str, title: str, work: Work) -> Job:
        job = Job(uuid.uuid4().hex[:12], title)
        with self._guard:
            self._jobs[job.id] = job
            lock = self._locks.setdefault(queue, threading.Lock())

        def run() -> None:
            with lock:

                def report(step: str) -> None:
                    job.step = step

                try:
                    work(report)
                    job.step = "done"
                except Refused as e:
                    job.error, job.refused = str(e), True
                except Exception as e:  # noqa: BLE001  (shown on the page, the job is over either way)
                    job.error = str(e)
                finally:
                    job.finished = time.monotonic()

        threading.Thread(target=run, name=f"portal-{job.id}", daemon=True).start()
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)
