"""The ``lastmile`` command (also ``python server.py``)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from core.settings import DEFAULT_SECRET, Settings, get_settings


def _host(settings: Settings, plugins: str | None = None):
    from core.plugins import PluginHost, UnknownPluginError

    if plugins is None:
        try:
            names = settings.plugin_names()
        except OSError as exc:
            sys.exit(f"lastmile: cannot read LASTMILE_PLUGINS_FILE {settings.plugins_file}: {exc.strerror or exc}")
        source = f"LASTMILE_PLUGINS_FILE ({settings.plugins_file})" if settings.plugins_file else "LASTMILE_PLUGINS"
    elif plugins.strip() == "all":
        names, source = None, "--plugins"
    else:
        names, source = [p.strip() for p in plugins.split(",") if p.strip()], "--plugins"
    try:
        return PluginHost(names)
    except UnknownPluginError as exc:
        sys.exit(f"lastmile: Unknown plugin {exc.name!r} in {source}. Available plugins: "
                 + (", ".join(exc.available) or "(none)"))


def _check_production(settings: Settings) -> None:
    """The app's own production checks (secret, PII key), as one line and exit status 1, not a traceback."""
    if settings.is_production and (settings.secret_key == DEFAULT_SECRET or len(settings.secret_key) < 32):
        sys.exit("lastmile: refusing to start in production with the default or a short LASTMILE_SECRET_KEY "
                 "(set at least 32 random characters).")
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


async def _ensure_postgres_database(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` when the server is up but the database is not there."""
    from urllib.parse import urlsplit, urlunsplit

    import asyncpg

    try:
        conn = await asyncpg.connect(url, timeout=10)
    except asyncpg.InvalidCatalogNameError:
        parts = urlsplit(url)
        name = parts.path.lstrip("/")
        admin = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")), timeout=10)
        try:
            await admin.execute('CREATE DATABASE "{}"'.format(name.replace('"', '""')))
        finally:
            await admin.close()
        print(f"created PostgreSQL database {name}")
    else:
        await conn.close()


def _prepare_database(settings: Settings) -> None:
    """Reach the database before anything else, or stop with a message saying what is wrong."""
    import os

    from core.db import is_postgres, normalise_url

    url = normalise_url(settings.database_url)
    try:
        if is_postgres(url):
            # Without the query string: tortoise's options there (?maxsize=10) are not server settings.
            asyncio.run(_ensure_postgres_database(url.replace("asyncpg://", "postgres://", 1).split("?", 1)[0]))
        elif url.startswith("sqlite://"):
            path = url[len("sqlite://"):]
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


def cmd_migrate(args, settings):
    host = _host(settings)
    _prepare_database(settings)
    asyncio.run(_with_db(settings, host, lambda: asyncio.sleep(0)))
    print(f"migrations applied (apps: core{''.join(',' + n for n in host.tortoise_apps())})")


def cmd_demo(args, settings):
    from core.demo import database_is_empty, load_demo

    host = _host(settings)
    _prepare_database(settings)

    async def work():
        if not await database_is_empty():
            print("the database already has data; demo data is loaded only into an empty database")
            return
        ctx = await load_demo(host, args.residents)
        print(f"demo data loaded: {len(ctx.communities)} communities, {len(ctx.units)} units, "
              f"{len(ctx.residents)} residents; sign in as admin / lastmile-demo")

    asyncio.run(_with_db(settings, host, work))


def cmd_scale(args, settings):
    from core.scale import build_district

    host = _host(settings)
    _prepare_database(settings)

    async def work():
        counts = await build_district(args.residents)
        print("scale data loaded: " + ", ".join(f"{v:,} {k}" for k, v in counts.items())
              + "; sign in as admin / lastmile-demo")

    try:
        asyncio.run(_with_db(settings, host, work))
    except RuntimeError as exc:
        sys.exit(f"lastmile: {exc}")


def cmd_export_schema(args, settings):
    from core.api.schema import export_sdl

    host = _host(settings, args.plugins)
    sys.stdout.write(export_sdl(host, settings))


def cmd_create_admin(args, settings):
    from core import models as m
    from core.auth import hash_password
    from core.login_limits import AttemptLimiter
    from core.password_policy import MAX_LENGTH, WeakPassword, check_password

    host = _host(settings)
    try:
        check_password(args.password, args.username, min_score=settings.password_min_score,
                       other_names=(args.display_name or "",))
    except WeakPassword as weak:
        sys.exit(f"lastmile: {weak}")
    if len(args.password) > MAX_LENGTH:
        sys.exit(f"lastmile: the password may be at most {MAX_LENGTH} characters")
    _prepare_database(settings)

    async def work():
        user = await m.User.get_or_none(username=args.username)
        if user is None:
            await m.User.create(username=args.username, display_name=args.display_name or args.username,
                                password_hash=hash_password(args.password), is_superuser=True)
            print(f"superuser {args.username} created")
        else:
            user.password_hash = hash_password(args.password)
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
                ctx = await load_demo(host)
                print(f"demo data loaded: {len(ctx.residents)} residents; sign in as admin / lastmile-demo")

        asyncio.run(_with_db(settings, host, work))
    app = create_app(settings, runtime=build_runtime(settings, host))
    print(f"lastmile serving http://{args.host}:{args.port}/graphql  plugins: {', '.join(host.names) or '(none)'}")
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", proxy_headers=False)


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="lastmile", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="apply pending migrations and serve /graphql")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--demo", action="store_true", help="load the demo data first if the database is empty")
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("migrate", help="apply pending migrations of core and the enabled plugins")
    p.set_defaults(func=cmd_migrate)
    p = sub.add_parser("demo", help="load the demo data into an empty database")
    p.add_argument("--residents", type=int, default=3000)
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("scale", help="fill an empty database with a benchmark district of N residents (bulk COPY)")
    p.add_argument("--residents", type=int, default=1_000_000)
    p.set_defaults(func=cmd_scale)
    p = sub.add_parser("export-schema", help="print the SDL of the schema")
    p.add_argument("--plugins", default=None, help="comma-separated plugins, 'all' or '' (default: LASTMILE_PLUGINS)")
    p.set_defaults(func=cmd_export_schema)
    p = sub.add_parser("create-admin", help="create (or reset) a superuser account")
    p.add_argument("username")
    p.add_argument("--password", required=True)
    p.add_argument("--display-name", default=None)
    p.set_defaults(func=cmd_create_admin)
    args = parser.parse_args(argv)
    args.func(args, get_settings())


if __name__ == "__main__":
    main()
