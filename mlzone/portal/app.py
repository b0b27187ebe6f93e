"""The portal's web app (Starlette + Jinja2, server-rendered; one small script polls job progress).

Only 127.0.0.1 is bound (mlzone.commands.portal). Every request needs the session's random token:
the printed URL carries it once (`/?token=…`), which sets an HttpOnly, SameSite=Strict cookie and
redirects; a missing or wrong token gets 401 and nothing rendered. Actions are POSTs from the
portal's own pages only (same-origin check), and each runs as a background job whose step and
elapsed time the page shows.
"""

from __future__ import annotations

import hmac
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from mlzone.portal import connection, costs, inventory
from mlzone.portal.inventory import Resource
from mlzone.portal.jobs import Jobs, Work
from modules import prices
from modules.naming import project_name

HERE = Path(__file__).parent
COOKIE = "mlzone_portal"
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, undefined=jinja2.StrictUndefined
)


@dataclass(frozen=True)
class Field:
    """One input of an action's form (the work validates what is posted; the form only offers it)."""

    name: str
    choices: tuple[str, ...] = ()  # a select of these
    number: tuple[int, int] | None = None  # a number between these
    default: str = ""


@dataclass(frozen=True)
class Action:
    """A button on the project page: its form fields and the work it starts.

    With `row`, the button sits on each resource row it accepts, and posts the row's `ref` as `name`."""

    title: str
    fields: tuple[Field, ...]
    work: Callable[[str, dict[str, str]], Work]  # (project, form) → the job's work; ValueError refuses it
    row: Callable[[Resource], bool] | None = None
    queue: str = ""  # jobs of one queue run one at a time (default: the project's)


@dataclass
class Zone:
    """What the app reads: the projects (name → models, budget) and a boto3 client factory."""

    projects: dict[str, dict[str, Any]]
    client: Callable[[str], Any]

    def notebook_url(self, project: str, notebook: str) -> str:
        """A presigned URL that opens one of `project`'s notebooks (ValueError for another's)."""
        if not notebook.startswith(project_name(project, "")):
            raise ValueError(f"notebook {notebook!r} is not one of project {project}'s")
        sagemaker = self.client("sagemaker")
        try:
            return sagemaker.create_presigned_notebook_instance_url(NotebookInstanceName=notebook)["AuthorizedUrl"]
        except sagemaker.exceptions.ClientError as e:
            raise ValueError(f"notebook {notebook!r} cannot be opened: {e}") from None


def _page(name: str, **values: Any) -> HTMLResponse:
    return HTMLResponse(TEMPLATES.get_template(name).render(**values))


def create_app(zone: Zone, token: str, actions: dict[str, dict[str, Action]]) -> Starlette:
    """The app; `actions` are each project's buttons, by project and action key."""
    jobs = Jobs()

    def authorized(request: Request) -> bool:
        return hmac.compare_digest(request.cookies.get(COOKIE, ""), token)

    def guard(handler: Callable[[Request], Response | Awaitable[Response]]) -> Callable[[Request], Any]:
        async def checked(request: Request) -> Response:
            if not authorized(request):
                return PlainTextResponse("unauthorized: open the URL `mlzone portal` printed", 401)
            if request.method == "POST":
                origin = request.headers.get("origin")
                if origin and origin != f"{request.url.scheme}://{request.url.netloc}":
                    return PlainTextResponse("cross-origin request refused", 403)
            answer = handler(request)
            return await answer if inspect.isawaitable(answer) else answer

        return checked

    async def index(request: Request) -> Response:
        given = request.query_params.get("token")
        if given is not None:
            if not hmac.compare_digest(given, token):
                return PlainTextResponse("unauthorized: wrong token", 401)
            response = RedirectResponse("/", 303)
            response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
            return response
        if not authorized(request):
            return PlainTextResponse("unauthorized: open the URL `mlzone portal` printed", 401)
        return _page("index.html.j2", projects=sorted(zone.projects))

    def project(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in zone.projects:
            return PlainTextResponse(f"unknown project {name!r}", 404)
        info = zone.projects[name]
        resources = inventory.project_resources(zone.client, name, info["models"])
        return _page(
            "project.html.j2",
            project=name,
            resources=resources,
            estimate=costs.estimate(resources),
            budget=info.get("budget"),
            prices_date=prices.PRICES_DATE,
            prices_source=prices.PRICES_SOURCE,
            actions=actions.get(name, {}),
            connection=connection,
        )

    async def act(request: Request) -> Response:
        name, action = request.path_params["name"], request.path_params["action"]
        chosen = actions.get(name, {}).get(action)
        if name not in zone.projects or chosen is None:
            return PlainTextResponse("unknown project or action", 404)
        form = {k: str(v) for k, v in (await request.form()).items()}
        try:
            work = chosen.work(name, form)
        except ValueError as e:
            return _page("refused.html.j2", project=name, reason=str(e))
        title = f"{chosen.title} {form['name']}" if chosen.row and form.get("name") else chosen.title
        job = jobs.start(chosen.queue or name, f"{title} ({name})", work)
        return RedirectResponse(f"/jobs/{job.id}?project={name}", 303)

    def open_notebook(request: Request) -> Response:
        name, notebook = request.path_params["name"], request.path_params["notebook"]
        if name not in zone.projects:
            return PlainTextResponse(f"unknown project {name!r}", 404)
        try:
            return RedirectResponse(zone.notebook_url(name, notebook), 303)
        except ValueError as e:
            return _page("refused.html.j2", project=name, reason=str(e))

    def job_page(request: Request) -> Response:
        job = jobs.get(request.path_params["id"])
        if job is None:
            return PlainTextResponse("unknown job", 404)
        return _page("job.html.j2", job=job, project=request.query_params.get("project", ""))

    def job_state(request: Request) -> Response:
        job = jobs.get(request.path_params["id"])
        if job is None:
            return JSONResponse({"error": "unknown job"}, 404)
        return JSONResponse(
            {
                "title": job.title,
                "step": job.step,
                "state": job.state,
                "elapsed": round(job.elapsed, 1),
                "error": job.error,
            }
        )

    return Starlette(
        routes=[
            Route("/", index),
            Route("/projects/{name}", guard(project)),
            Route("/projects/{name}/actions/{action}", guard(act), methods=["POST"]),
            Route("/projects/{name}/notebooks/{notebook}/open", guard(open_notebook)),
            Route("/jobs/{id}", guard(job_page)),
            Route("/jobs/{id}/state", guard(job_state)),
        ]
    )
