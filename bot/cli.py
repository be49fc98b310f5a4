"""The ``guichet`` command line. Thin: each command parses its flags and calls the module that owns the work.

Command names, flags and JSON shapes are a contract used by other tools: keep them exactly, add freely.
Heavy modules are imported inside the commands so that ``guichet --help`` stays instant.
"""

from __future__ import annotations

from typing import Optional

import typer

app = typer.Typer(
    name="guichet",
    help="Guichet: the one-stop shop through which local elected officials reach the State's help.",
    no_args_is_help=True,
    add_completion=False,
)
kb_app = typer.Typer(help="Knowledge base: check and export.", no_args_is_help=True)
db_app = typer.Typer(help="Database: migrations.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")
app.add_typer(db_app, name="db")
agents_app = typer.Typer(help="Staff console agents: add, list, one-time login links.", no_args_is_help=True)
app.add_typer(agents_app, name="agents")


@app.callback()
def _every_command() -> None:
    # issue 25: one logging set-up for every process: the redaction of bot/logsafe.py (secrets, libraries' arguments,
    # e-mails and phones) is installed before any command runs; ``run`` and ``serve`` (logsafe.setup_logging) add
    # their handler, level and the libraries' caps.
    from bot import logsafe

    try:
        from bot.config import load_settings

        settings = load_settings()
    except Exception:  # noqa: BLE001 - the command itself says what is wrong with the configuration
        settings = None
    logsafe.install(*logsafe.secrets_of(settings))


# --- knowledge -----------------------------------------------------------------------------------------------------
@app.command()
def match(
    text: Optional[str] = typer.Argument(None, help="The need, in free French text."),
    commune: Optional[str] = typer.Option(None, "--commune", help="INSEE code (or SIREN of an EPCI) for eligibility."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    stdin: bool = typer.Option(False, "--stdin", help="One query per line on stdin, one JSON object per line out."),
    theme: Optional[list[str]] = typer.Option(None, "--theme", help="A theme the person confirmed (repeatable)."),
) -> None:
    """Rank the offers that fit a need, with reasons and warnings (and "unsure" when none fits clearly)."""
    from knowledge.cli import run_match

    raise typer.Exit(run_match(text, commune=commune, json_out=json_out, stdin=stdin, themes=theme))


@app.command()
def faq(
    text: Optional[str] = typer.Argument(None, help="A question."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    stdin: bool = typer.Option(False, "--stdin", help="One question per line on stdin, one JSON object per line out."),
    commune: Optional[str] = typer.Option(None, "--commune", help="The asker's commune or EPCI (INSEE code, SIREN)."),
) -> None:
    """Answer a question from the FAQ (or about a place), or nothing when not confident."""
    from knowledge.cli import run_faq

    raise typer.Exit(run_faq(text, json_out=json_out, stdin=stdin, commune=commune))


@app.command()
def understand(
    text: Optional[str] = typer.Argument(None, help="A message, as a person would write it."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    stdin: bool = typer.Option(False, "--stdin", help="One message per line on stdin, one JSON object per line out."),
    step: Optional[str] = typer.Option(None, "--step", help="What the guichet had just asked (commune, budget, recap…)."),
) -> None:
    """What a message is (act, confidence) and what it carries (slots)."""
    from knowledge.understand import run_understand

    raise typer.Exit(run_understand(text, json_out=json_out, stdin=stdin, step=step))


@app.command()
def commune(
    text: Optional[str] = typer.Argument(None, help="A commune or EPCI as typed: name, INSEE code, postal code."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    stdin: bool = typer.Option(False, "--stdin", help="One query per line on stdin, one JSON object per line out."),
) -> None:
    """Resolve a commune or an EPCI in the official referential."""
    from knowledge.cli import run_commune

    raise typer.Exit(run_commune(text, json_out=json_out, stdin=stdin))


@kb_app.command("check")
def kb_check() -> None:
    """Validate every offer and FAQ entry; report each problem with file and field; non-zero exit on any."""
    from knowledge.cli import run_kb_check

    raise typer.Exit(run_kb_check())


@kb_app.command("stale")
def kb_stale(
    months: int = typer.Option(12, "--months", min=0, help="List facts last verified more than this many months ago."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List what to re-check (offers, FAQ entries, membership lists, contacts), oldest first."""
    from knowledge.cli import run_kb_stale

    raise typer.Exit(run_kb_stale(months=months, json_out=json_out))


@kb_app.command("export")
def kb_export(json_out: bool = typer.Option(True, "--json", help="Print JSON (the only format).")) -> None:
    """Export all offers and FAQ entries as JSON, for other tools."""
    from knowledge.cli import run_kb_export

    raise typer.Exit(run_kb_export())


# --- conversation and storage ---------------------------------------------------------------------------------------
@app.command()
def chat(
    user: Optional[str] = typer.Option(None, "--user", help="User id of this terminal conversation (default: your login)."),
) -> None:
    """Talk to the assistant in the terminal (same engine and database as Telegram)."""
    from bot.channels.console import run_console

    raise typer.Exit(run_console(user))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations up to the latest (the application also does it on start)."""
    from bot.store.cli import run_upgrade_cli

    raise typer.Exit(run_upgrade_cli())


@app.command()
def export(
    format: str = typer.Option("json", "--format", help="json or csv"),
    status: Optional[str] = typer.Option(None, "--status", help="Only requests with this status."),
    since: Optional[str] = typer.Option(None, "--since", help="Only requests created on or after this date (YYYY-MM-DD)."),
) -> None:
    """Export requests as JSON or CSV (UTF-8 with BOM) to standard output."""
    from bot.store.export import run_export_cli

    raise typer.Exit(run_export_cli(format=format, status=status, since=since))


@app.command()
def stats(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Counts of requests by status, theme, commune and month."""
    from bot.store.export import run_stats_cli

    raise typer.Exit(run_stats_cli(json_out=json_out))


@app.command()
def purge(
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would be purged, change nothing."),
) -> None:
    """Apply the retention rules (personal data of closed requests, stale unfinished conversations)."""
    from bot.store.retention import run_purge_cli

    raise typer.Exit(run_purge_cli(dry_run=dry_run))


@app.command()
def run() -> None:
    """Run the Telegram bot (polling, or webhook when GUICHET_WEBHOOK_URL is set)."""
    from bot.channels.telegram.runner import run_telegram

    raise typer.Exit(run_telegram())


@app.command()
def mail(
    once: bool = typer.Option(False, "--once", help="Process what is in the mailbox, send the replies, and exit."),
) -> None:
    """Run the e-mail channel: read the mailbox over IMAP (GUICHET_IMAP_*), answer by SMTP (until SIGTERM)."""
    from bot.channels.mail.channel import run_mail_cli

    raise typer.Exit(run_mail_cli(once=once))


@app.command()
def serve(
    host: Optional[str] = typer.Option(None, "--host", help="Address to listen on (default GUICHET_WEB_HOST)."),
    port: Optional[int] = typer.Option(None, "--port", help="Port (default GUICHET_WEB_PORT)."),
    workers: int = typer.Option(1, "--workers", help="Worker processes (PostgreSQL only for more than one)."),
) -> None:
    """Run the web server: the staff console under /console/ (and the mayors' web chat at /)."""
    from bot.web.server import run_serve

    raise typer.Exit(run_serve(host=host, port=port, workers=workers))


@agents_app.command("add")
def agents_add(
    email: str = typer.Argument(..., help="The agent's e-mail address (their login)."),
    name: str = typer.Option(..., "--name", help="Full name, as shown to colleagues."),
    role: str = typer.Option(..., "--role", help="prefecture | operateur | comite | admin"),
    operator: Optional[str] = typer.Option(None, "--operator", help="Operator key of an operateur agent (e.g. ademe)."),
) -> None:
    """Add a console agent, or update the one with this e-mail address."""
    from bot.console.cli import run_agents_add

    raise typer.Exit(run_agents_add(email, name=name, role=role, operator=operator))


@agents_app.command("login-link")
def agents_login_link(email: str = typer.Argument(..., help="The agent's e-mail address.")) -> None:
    """Print a one-time login link (under GUICHET_PUBLIC_URL, valid 15 minutes)."""
    from bot.console.cli import run_agents_login_link

    raise typer.Exit(run_agents_login_link(email))


@agents_app.command("notices")
def agents_notices() -> None:
    """Queue the overdue notices and the daily digests of agents who chose them (run once a day)."""
    from bot.console.cli import run_agents_notices

    raise typer.Exit(run_agents_notices())


@agents_app.command("list")
def agents_list(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the console agents."""
    from bot.console.cli import run_agents_list

    raise typer.Exit(run_agents_list(json_out=json_out))


@app.command("start")
def start(demo: bool = typer.Option(False, "--demo", help="Add sample requests.")) -> None:
    """Start the web server on the configured database and print the mayors' page and a console login link."""
    from bot.web.start import run_start

    raise typer.Exit(run_start(demo=demo))


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
