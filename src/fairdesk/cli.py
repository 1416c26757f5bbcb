"""The ``fairdesk`` command: demo, serve, database, staff users, tokens, import and export."""

from __future__ import annotations

import logging
import os
import secrets
import signal
import threading
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import Engine

from fairdesk.auth import service as auth_service
from fairdesk.auth.models import Role
from fairdesk.config import Settings, get_settings
from fairdesk.db import migrate
from fairdesk.db.base import utcnow
from fairdesk.db.session import get_engine, unit_of_work
from fairdesk.errors import FairdeskError

app = typer.Typer(help="fairdesk: a customer-first service desk.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")

console = Console()
err = Console(stderr=True)

Host = Annotated[str, typer.Option(help="Interface to listen on.")]
Port = Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)]


def _engine() -> Engine:
    return get_engine(get_settings().resolved_database_url)


def _fail(exc: FairdeskError) -> typer.Exit:
    field = f" ({exc.field})" if exc.field else ""
    err.print(f"[red]error{field}:[/red] {exc.message}")
    return typer.Exit(code=2)


@db_app.command("upgrade")
def db_upgrade(revision: str = "heads") -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    migrate.upgrade(_engine(), revision)
    console.print(f"database at [bold]{revision}[/bold]: {get_settings().resolved_database_url}")


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(help="Login e-mail.")],
    name: Annotated[str, typer.Option(help="Display name.")],
    role: Annotated[Role, typer.Option(help="agent, manager or admin.")] = Role.AGENT,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Create a staff account."""
    try:
        with unit_of_work(_engine()) as session:
            user = auth_service.create_user(
                session, email=email, name=name, password=password, role=role
            )
            console.print(f"created {user.role} [bold]{user.email}[/bold] (id {user.id})")
    except FairdeskError as exc:
        raise _fail(exc) from exc


@token_app.command("create")
def token_create(
    email: Annotated[str, typer.Option(help="Staff user the token acts as.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "api",
) -> None:
    """Create an API token; the secret is printed once."""
    from sqlalchemy import select

    from fairdesk.auth.models import StaffUser

    with unit_of_work(_engine()) as session:
        user = session.scalar(
            select(StaffUser).where(StaffUser.email == auth_service.normalize_email(email))
        )
        if user is None:
            err.print(f"[red]error (email):[/red] no staff user {email}")
            raise typer.Exit(code=2)
        _token, secret = auth_service.create_token(session, user=user, name=name)
    console.print(secret, highlight=False, soft_wrap=True)


def _serve(host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    uvicorn.run(
        "fairdesk.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        # Importing the app takes seconds of CPU; on a busy small machine uvicorn's default
        # 5 s worker health check kills and respawns workers that are still starting.
        timeout_worker_healthcheck=30,
    )


@app.command()
def analyze() -> None:
    """Recompute lifetime value (and every other analytic) from the business's data."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from fairdesk.analyze import STEPS, run_all

    engine = _engine()
    migrate.upgrade(engine)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("starting", total=len(STEPS))
            results = run_all(engine, say=lambda msg: bar.update(task, description=msg))
    except FairdeskError as exc:
        raise _fail(exc) from exc
    for name, outcome in results:
        console.print(f"[green]✓[/green] {name}: {outcome}")


@app.command()
def serve(
    host: Host = "127.0.0.1", port: Port = 8000, workers: Annotated[int, typer.Option(min=1)] = 1
) -> None:
    """Serve the web UI and API."""
    migrate.upgrade(_engine())
    _serve(host, port, workers)


DEMO_EMAIL = "manager@demo.fairdesk.example"


@app.command()
def demo(
    host: Host = "127.0.0.1",
    port: Port = 8000,
    seed: Annotated[int, typer.Option(help="Random seed of the demo business.")] = 7,
    customers: Annotated[int, typer.Option(min=50)] = 5000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Build, then exit.")] = False,
) -> None:
    """Build the demo business if the database is empty, print a login, and serve."""
    from fairdesk.demo import BUSINESS_NAME
    from fairdesk.demo.setup import DEMO_AGENTS, ensure_demo

    settings = get_settings()
    engine = _engine()
    migrate.upgrade(engine)
    password = "-".join(secrets.token_hex(3) for _ in range(3))
    with console.status("building the demo business…"):
        built, summary = ensure_demo(
            engine,
            seed=seed,
            customers=customers,
            login_email=DEMO_EMAIL,
            login_password=password,
            now=utcnow().replace(minute=0, second=0, microsecond=0),
        )
    if built:
        console.print(f"demo business built: {summary}")
        from fairdesk.analyze import run_all

        with console.status("computing lifetime value, segments and personas…"):
            for name, outcome in run_all(engine):
                console.print(f"[green]✓[/green] {name}: {outcome}")
        from fairdesk.demo.improvement import ship_demo_improvement

        console.print(f"[green]✓[/green] you said, we did: {ship_demo_improvement(engine)}")
    else:
        console.print("demo database already present; the manager password was reset")
    agents = ", ".join(email for email, _ in DEMO_AGENTS)
    console.print(
        f"\n  open      http://{host}:{port}/\n  manager   {DEMO_EMAIL}\n"
        f"  agents    {agents}\n  password  {password}  (the same for each)\n",
        highlight=False,
    )
    if settings.business_name == Settings.model_fields["business_name"].default:
        # The demo business has a name of its own; an explicit setting still wins.
        os.environ["FAIRDESK_BUSINESS_NAME"] = BUSINESS_NAME
        get_settings.cache_clear()
    if settings.is_insecure_secret:
        console.print(
            "[yellow]FAIRDESK_SECRET_KEY is not set: fine for a demo, set it for real use[/yellow]"
        )
    if not no_serve:
        _start_background(engine)
        console.print(
            "outbox worker and SLA jobs run in the background of this demo "
            f"(mail backend: {get_settings().mail_backend})"
        )
        _serve(host, port)


def _start_background(engine: Engine) -> None:
    """For the one-command demo: send e-mails and run the SLA watch inside this process."""
    from fairdesk.outbox import worker

    stop = threading.Event()
    threading.Thread(
        target=worker.run_forever, args=(engine,), kwargs={"stop": stop}, name="outbox", daemon=True
    ).start()

    def jobs_loop() -> None:
        while not stop.wait(60.0):
            _run_jobs(engine)

    threading.Thread(target=jobs_loop, name="jobs", daemon=True).start()


mail_app = typer.Typer(help="E-mail in: the SMTP intake server.", no_args_is_help=True)
outbox_app = typer.Typer(help="The outbox: e-mails and webhooks to send.", no_args_is_help=True)
app.add_typer(mail_app, name="mail")
app.add_typer(outbox_app, name="outbox")


def _stop_on_signal() -> threading.Event:
    """An event set by Ctrl-C or SIGTERM, so long-running commands end cleanly."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop


@mail_app.command("serve")
def mail_serve(host: Host = "127.0.0.1", port: Port = 2525) -> None:
    """Accept mail for the support address over SMTP; each 250 follows a commit."""
    from fairdesk.tickets.mail_server import make_controller

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
    engine = _engine()
    migrate.upgrade(engine)
    stop = _stop_on_signal()
    controller = make_controller(engine, host=host, port=port)
    controller.start()
    console.print(
        f"SMTP intake for [bold]{get_settings().support_email}[/bold] on {host}:{port}",
        highlight=False,
    )
    try:
        stop.wait()
    finally:
        controller.stop()


@outbox_app.command("run")
def outbox_run(
    once: Annotated[bool, typer.Option("--once", help="Send one batch, then exit.")] = False,
) -> None:
    """Send due e-mails and webhooks, retrying failures with backoff."""
    from fairdesk.outbox import worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    engine = _engine()
    migrate.upgrade(engine)
    if once:
        report = worker.run_once(engine)
        console.print(
            f"claimed {report.claimed}: sent {report.sent}, retrying {report.failed}, "
            f"dead {report.dead}"
        )
        return
    console.print(f"outbox worker running (mail backend: {get_settings().mail_backend})")
    worker.run_forever(engine, stop=_stop_on_signal())


jobs_app = typer.Typer(help="Periodic jobs: the SLA watch.", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")


def _run_jobs(engine: Engine) -> bool:
    """One pass of every periodic job, each in its own unit of work; False if one failed."""
    from collections.abc import Callable

    from fairdesk.feedback.surveys import service as surveys
    from fairdesk.tickets import sla_watch

    jobs: dict[str, Callable[..., object]] = {
        "sla watch": sla_watch.run,
        "relationship surveys": surveys.relationship_job,
    }
    ok = True
    for name, job in jobs.items():
        try:
            with unit_of_work(engine) as session:
                outcome = job(session)
        except Exception:  # logged; the next pass tries again, the other jobs still run
            logging.getLogger("fairdesk.jobs").exception("job %r failed", name)
            ok = False
            continue
        console.print(f"{name}: {outcome}", highlight=False)
    return ok


@jobs_app.command("run")
def jobs_run(
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit.")] = False,
    interval: Annotated[float, typer.Option(min=1.0, help="Seconds between passes.")] = 60.0,
) -> None:
    """Run the periodic jobs every INTERVAL seconds; several copies at once are safe."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    engine = _engine()
    migrate.upgrade(engine)
    if once:
        if not _run_jobs(engine):
            raise typer.Exit(code=1)
        return
    stop = _stop_on_signal()
    while not stop.is_set():
        _run_jobs(engine)
        stop.wait(interval)


from fairdesk.triage.cli import triage_app  # noqa: E402

app.add_typer(triage_app, name="triage")

from fairdesk.goodwill.cli import goodwill_app  # noqa: E402

app.add_typer(goodwill_app, name="goodwill")

from fairdesk.customers.cli import export_app, import_app  # noqa: E402

app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")

from fairdesk.fairness.cli import fairness_app  # noqa: E402

app.add_typer(fairness_app, name="fairness")

from fairdesk.feedback.surveys.cli import survey_app  # noqa: E402

app.add_typer(survey_app, name="survey")

from fairdesk.scorecard.cli import scorecard_app  # noqa: E402

app.add_typer(scorecard_app, name="scorecard")

from fairdesk.feedback.themes.cli import themes_app  # noqa: E402

app.add_typer(themes_app, name="themes")
