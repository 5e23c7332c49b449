"""The ``lastmile`` command (also ``python server.py``)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from core.settings import DEFAULT_SECRET, Settings, get_settings


def _host(settings: Settings, plugins: str | None = None):
    from core.plugins import PluginHost, UnknownPluginError

    if plugins is None:
        try:
            names = settings.plugin_names()
        except OSError as exc:
            sys.exit(
                f"lastmile: cannot read LASTMILE_PLUGINS_FILE {settings.plugins_file}: {exc.strerror or exc}"
            )
        source = (
            f"LASTMILE_PLUGINS_FILE ({settings.plugins_file})"
            if settings.plugins_file
            else "LASTMILE_PLUGINS"
        )
    elif plugins.strip() == "all":
        names, source = None, "--plugins"
    else:
        names, source = [p.strip() for p in plugins.split(",") if p.strip()], "--plugins"
    try:
        return PluginHost(names)
    except UnknownPluginError as exc:
        sys.exit(
            f"lastmile: Unknown plugin {exc.name!r} in {source}. Available plugins: "
            + (", ".join(exc.available) or "(none)")
        )


def _check_production(settings: Settings) -> None:
    """The app's own production checks (secret, PII key), as one line and exit status 1, not a traceback."""
    if settings.is_production and (settings.secret_key == DEFAULT_SECRET or len(settings.secret_key) < 32):
        sys.exit(
            "lastmile: refusing to start in production with the default or a short LASTMILE_SECRET_KEY "
            "(set at least 32 random characters)."
        )
    from core.app import InsecureConfiguration, check_production

    try:
        check_production(settings)
    except InsecureConfiguration as exc:
        sys.exit(f"lastmile: {exc}")


def _safe_url(url: str) -> str:
    """The database URL without its password, for messages."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


async def ensure_postgres_database(url: str, timeout: float = 10) -> None:
    """Create the PostgreSQL database named in ``url`` when the server is up but the database is not there."""
    from urllib.parse import urlsplit, urlunsplit

    import asyncpg

    try:
        conn = await asyncpg.connect(url, timeout=timeout)
    except asyncpg.InvalidCatalogNameError:
        parts = urlsplit(url)
        name = parts.path.lstrip("/")
        admin = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")), timeout=timeout)
        try:
            await admin.execute('CREATE DATABASE "{}"'.format(name.replace('"', '""')))
        finally:
            await admin.close()
        print(f"created PostgreSQL database {name}")
    else:
        await conn.close()


def url_problem(url: str) -> str | None:
    """Why DATABASE_URL cannot name a database, in one line; None when it looks usable."""
    from urllib.parse import urlsplit

    from core.db import is_postgres, normalise_url

    url = normalise_url(url)
    if url.startswith("sqlite://"):
        return None if url[len("sqlite://") :] else "a SQLite URL needs a path: sqlite://lastmile.sqlite3"
    if not is_postgres(url):
        scheme = url.split("://", 1)[0] if "://" in url else url[:20]
        return (
            f"unsupported scheme {scheme!r}: use sqlite://PATH or postgres://USER:PASSWORD@HOST:5432/DATABASE"
        )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError as exc:
        return f"malformed PostgreSQL URL ({exc}): expected postgres://USER:PASSWORD@HOST:5432/DATABASE"
    if not parts.hostname:
        return "the PostgreSQL URL names no host: expected postgres://USER:PASSWORD@HOST:5432/DATABASE"
    if not parts.path.strip("/"):
        return "the PostgreSQL URL names no database: expected postgres://USER:PASSWORD@HOST:5432/DATABASE"
    return None


def _prepare_database(settings: Settings) -> None:
    """Reach the database before anything else, or stop with a message saying what is wrong."""
    import os

    from core.db import is_postgres, normalise_url

    url = normalise_url(settings.database_url)
    if problem := url_problem(url):
        sys.exit(f"lastmile: DATABASE_URL {_safe_url(url)}: {problem}")
    try:
        if is_postgres(url):
            # Without the query string: tortoise's options there (?maxsize=10) are not server settings.
            asyncio.run(
                ensure_postgres_database(url.replace("asyncpg://", "postgres://", 1).split("?", 1)[0])
            )
        elif url.startswith("sqlite://"):
            path = url[len("sqlite://") :]
            folder = os.path.dirname(path)
            if path != ":memory:" and folder and not os.path.isdir(folder):
                raise OSError(f"the folder {folder} does not exist")
    except Exception as exc:  # noqa: BLE001 - any failure to reach the database ends start-up
        sys.exit(f"lastmile: cannot open the database {_safe_url(url)}: {exc}")


async def _with_db(settings: Settings, host, work, migrate_first: bool = True):
    from tortoise import Tortoise

    from core.db import close_db, init_db, migrate, tortoise_config

    config = tortoise_config(settings.database_url, host.tortoise_apps())
    if migrate_first:
        await migrate(config)
        await Tortoise.close_connections()
    await init_db(config)
    try:
        return await work()
    finally:
        await close_db()


async def _migrate_reporting(settings: Settings, host) -> list[str]:
    """Apply pending migrations; the names of those applied ("app.name"), in order."""
    from tortoise import Tortoise
    from tortoise.migrations.api import migrate as migrate_api

    from core.db import tortoise_config

    applied: list[str] = []

    def reporter(_connection, plan, _fake, _dry_run):
        applied.extend(
            f"{step.migration.app_label}.{step.migration.name}" for step in plan if not step.backward
        )

    try:
        await migrate_api(
            config=tortoise_config(settings.database_url, host.tortoise_apps()), reporter=reporter
        )
    finally:
        await Tortoise.close_connections()
    return applied


def cmd_migrate(args, settings):
    host = _host(settings)
    _prepare_database(settings)
    applied = asyncio.run(_migrate_reporting(settings, host))
    apps = ", ".join(["core", *host.tortoise_apps()])
    if not applied:
        print(f"no migrations pending (apps: {apps})")
        return
    for name in applied:
        print(f"applied {name}")
    print(f"{len(applied)} migration{'s' if len(applied) != 1 else ''} applied (apps: {apps})")


def cmd_demo(args, settings):
    from core.demo import database_is_empty, load_demo

    host = _host(settings)
    _prepare_database(settings)

    async def work():
        if not await database_is_empty():
            print("the database already has data; demo data is loaded only into an empty database")
            return
        print(f"loading the demo district ({args.residents} residents) ...", flush=True)
        ctx = await load_demo(host, args.residents, progress=lambda line: print(f"  {line}", flush=True))
        print(
            f"demo data loaded: {len(ctx.communities)} communities, {len(ctx.units)} units, "
            f"{len(ctx.residents)} residents; sign in as admin / lastmile-demo"
        )

    asyncio.run(_with_db(settings, host, work))


def cmd_scale(args, settings):
    from core.scale import build_district

    host = _host(settings)
    _prepare_database(settings)

    async def work():
        counts = await build_district(args.residents)
        print(
            "scale data loaded: "
            + ", ".join(f"{v:,} {k}" for k, v in counts.items())
            + "; sign in as admin / lastmile-demo"
        )

    try:
        asyncio.run(_with_db(settings, host, work))
    except RuntimeError as exc:
        sys.exit(f"lastmile: {exc}")


def cmd_export_schema(args, settings):
    from core.api.schema import export_sdl

    host = _host(settings, args.plugins)
    sys.stdout.write(export_sdl(host, settings))


def cmd_import_residents(args, settings):
    from core.ledgers.cli import run_cli_import

    host = _host(settings)
    _prepare_database(settings)
    result = asyncio.run(_with_db(settings, host, lambda: run_cli_import(args, host)))
    if result.status == "FAILED":
        sys.exit(f"lastmile: {result.message}")
    if result.status == "REJECTED":
        sys.exit(2)


def _admin_password(args) -> str:
    """From --password-stdin (one line), a prompt on a terminal, or (discouraged) --password."""
    if args.password is not None:
        print(
            "lastmile: warning: --password leaves the password in the shell history; "
            "prefer the prompt or --password-stdin",
            file=sys.stderr,
        )
        return args.password
    if args.password_stdin or not sys.stdin.isatty():
        line = sys.stdin.readline()
        if not line:
            sys.exit("lastmile: no password on standard input")
        return line.rstrip("\r\n")
    import getpass

    first = getpass.getpass("Password for the superuser: ")
    if getpass.getpass("Again: ") != first:
        sys.exit("lastmile: the two passwords differ")
    return first


def cmd_create_admin(args, settings):
    from core import models as m
    from core.auth import hash_password
    from core.login_limits import AttemptLimiter
    from core.password_policy import MAX_LENGTH, WeakPassword, check_password

    host = _host(settings)
    password = _admin_password(args)
    try:
        check_password(
            password,
            args.username,
            min_score=settings.password_min_score,
            other_names=(args.display_name or "",),
        )
    except WeakPassword as weak:
        sys.exit(f"lastmile: {weak}")
    if len(password) > MAX_LENGTH:
        sys.exit(f"lastmile: the password may be at most {MAX_LENGTH} characters")
    _prepare_database(settings)

    async def work():
        user = await m.User.get_or_none(username=args.username)
        if user is None:
            await m.User.create(
                username=args.username,
                display_name=args.display_name or args.username,
                password_hash=hash_password(password),
                is_superuser=True,
            )
            print(f"superuser {args.username} created")
        else:
            user.password_hash = hash_password(password)
            user.is_superuser = True
            user.is_active = True
            await user.save()
            print(f"superuser {args.username} updated")
        # A reset also lifts a sign-in lock-out: this is how a locked-out superuser gets back in.
        limiter = AttemptLimiter(settings)
        await limiter.forget_account(args.username)
        if limiter.redis is not None:
            await limiter.redis.close()

    asyncio.run(_with_db(settings, host, work))


def cmd_serve(args, settings):
    import uvicorn

    from core.api.schema import build_runtime
    from core.app import create_app

    _check_production(settings)
    host = _host(settings)
    _prepare_database(settings)
    if args.demo:
        from core.demo import database_is_empty, load_demo

        async def work():
            if await database_is_empty():
                print("loading the demo district ...", flush=True)
                ctx = await load_demo(host, progress=lambda line: print(f"  {line}", flush=True))
                print(f"demo data loaded: {len(ctx.residents)} residents; sign in as admin / lastmile-demo")

        asyncio.run(_with_db(settings, host, work))
    print(
        f"lastmile serving http://{args.host}:{args.port}/graphql  plugins: {', '.join(host.names) or '(none)'}"
        + (f"  workers: {args.workers}" if args.workers > 1 else "")
    )
    if args.workers > 1:
        # Each worker process builds its own app from the same environment; migrations were applied
        # once above (the workers' lifespans find nothing pending). Live updates across workers
        # need LASTMILE_REDIS_URL.
        if not settings.redis_url:
            print(
                "lastmile: warning: without LASTMILE_REDIS_URL subscriptions only see events of their own "
                "worker",
                file=sys.stderr,
            )
        asyncio.run(_with_db(settings, host, lambda: asyncio.sleep(0)))
        uvicorn.run(
            "core.cli:worker_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level=settings.log_level.lower(),
            log_config=None,
            access_log=False,
            proxy_headers=False,
        )
        return
    app = create_app(settings, runtime=build_runtime(settings, host))
    # log_config=None: uvicorn's records go through core.logs like everyone else's; our line per
    # GraphQL operation replaces its access line.
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=settings.log_level.lower(),
        log_config=None,
        access_log=False,
        proxy_headers=False,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lastmile", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="apply pending migrations and serve /graphql")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default: %(default)s)")
    p.add_argument("--demo", action="store_true", help="load the demo data first if the database is empty")
    p.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="number of server processes (default: %(default)s); more than one needs "
        "LASTMILE_REDIS_URL for live updates across them",
    )
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("migrate", help="apply pending migrations of core and the enabled plugins")
    p.set_defaults(func=cmd_migrate)
    p = sub.add_parser("demo", help="load the demo data into an empty database")
    p.add_argument(
        "--residents",
        type=_positive,
        default=3000,
        help="about how many residents to create (default: %(default)s)",
    )
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser(
        "scale", help="fill an empty database with a benchmark district of N residents (bulk COPY)"
    )
    p.add_argument(
        "--residents",
        type=_positive,
        default=1_000_000,
        help="how many residents the benchmark district gets (default: %(default)s)",
    )
    p.set_defaults(func=cmd_scale)
    p = sub.add_parser("export-schema", help="print the SDL of the schema")
    p.add_argument(
        "--plugins", default=None, help="comma-separated plugins, 'all' or '' (default: LASTMILE_PLUGINS)"
    )
    p.set_defaults(func=cmd_export_schema)
    p = sub.add_parser("create-admin", help="create (or reset) a superuser account; asks for the password")
    p.add_argument("username", help="login name of the superuser")
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input (for scripts)",
    )
    p.add_argument(
        "--password",
        default=None,
        help="the password itself (discouraged: it stays in the shell history and process list)",
    )
    p.add_argument("--display-name", default=None, help="name shown in the apps (default: the username)")
    p.set_defaults(func=cmd_create_admin)
    p = sub.add_parser("import", help="import a ledger (台账) from a spreadsheet")
    what = p.add_subparsers(dest="ledger", required=True, help="which ledger to import (residents)")
    p = what.add_parser(
        "residents", help="import the household registry from .xlsx or .csv (UTF-8 or GB18030)"
    )
    p.add_argument(
        "file", help="the .xlsx or .csv file; headers in Chinese (姓名, 身份证号, 社区 ...) or English"
    )
    p.add_argument("--dry-run", action="store_true", help="check every row and report, but write nothing")
    p.add_argument(
        "--create-areas",
        action="store_true",
        help="create subdistricts, communities, compounds, buildings and units the file names "
        "but the database lacks (default: such rows are rejected)",
    )
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="import the valid rows even when some are rejected (default: any rejected row "
        "means nothing is written)",
    )
    p.add_argument(
        "--report",
        default=None,
        metavar="REPORT.xlsx",
        help="write every problem (row, column, code, message) and the summary to this .xlsx file",
    )
    p.add_argument(
        "--user",
        default=None,
        help="import as this account, with its scope and permissions (default: as a superuser)",
    )
    p.set_defaults(func=cmd_import_residents)
    return parser


def main(argv: list[str] | None = None) -> None:
    from core.logs import configure_logging

    args = build_parser().parse_args(argv)
    settings = _settings()
    configure_logging(settings.log_format_in_use, settings.log_level)
    args.func(args, settings)


def worker_app():
    """The app of one `serve --workers N` process (uvicorn imports this in each worker)."""
    from core.app import create_app
    from core.logs import configure_logging

    settings = get_settings()
    configure_logging(settings.log_format_in_use, settings.log_level)
    return create_app(settings)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _settings() -> Settings:
    """The environment's settings, or one line per bad variable and exit."""
    from pydantic import ValidationError

    try:
        return get_settings()
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"])
            lines.append(f"lastmile: {name}: {err['msg']}")
        sys.exit("\n".join(lines))


if __name__ == "__main__":
    main()
