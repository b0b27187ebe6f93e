"""The portal's background jobs: step and elapsed time while running; done, refused or failed at their step."""

from __future__ import annotations

import threading
import time

import pytest

from mlzone.portal.jobs import Job, Jobs, Refused

pytestmark = pytest.mark.unit


def _ended(job: Job) -> Job:
    for _ in range(200):
        if job.finished is not None:
            return job
        time.sleep(0.01)
    raise AssertionError("the job did not end")


def test_a_job_reports_its_step_while_running_and_ends_done() -> None:
    release = threading.Event()

    def work(report) -> None:
        report("lab-self-service: plan")
        release.wait(5)

    job = Jobs().start("zone", "Request a Spark cluster", work)
    for _ in range(100):
        if job.step != "queued":
            break
        time.sleep(0.01)
    assert (job.state, job.step) == ("running", "lab-self-service: plan")
    release.set()
    assert (_ended(job).state, job.step, job.error) == ("done", "done", "")
    assert job.elapsed > 0


def test_a_refusal_and_a_failure_keep_the_step_they_stopped_at() -> None:
    jobs = Jobs()

    def refused(report) -> None:
        report("lab-self-service: checking the guardrails")
        raise Refused("self_service.spark.max_clusters: this would be cluster 2 of at most 1; fix: release one")

    def failed(report) -> None:
        report("lab-self-service: apply")
        raise RuntimeError("stack lab-self-service, step apply: terraform apply failed")

    a, b = _ended(jobs.start("zone", "a", refused)), _ended(jobs.start("zone", "b", failed))
    assert (a.state, a.step) == ("refused", "lab-self-service: checking the guardrails")
    assert "self_service.spark.max_clusters" in a.error
    assert (b.state, b.step, b.error) == (
        "failed",
        "lab-self-service: apply",
        "stack lab-self-service, step apply: terraform apply failed",
    )


def test_jobs_of_one_queue_run_one_at_a_time() -> None:
    running, most = [0], [0]
    lock = threading.Lock()

    def work(report) -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1

    jobs = Jobs()
    started = [jobs.start("zone", str(i), work) for i in range(3)]
    for job in started:
        _ended(job)
    assert most[0] == 1 and all(j.state == "done" for j in started)
