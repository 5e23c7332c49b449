"""GraphiQL served from the package itself (core/static/graphiql, vendored by
scripts/vendor_graphiql.sh from pinned npm releases): the IDE works on a closed intranet.

The page's asset URLs are relative to /graphql, so the IDE also works behind a proxy that
serves the API under a path prefix.
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

ASSETS = Path(__file__).parent / "static" / "graphiql"
PREFIX = "/graphiql-assets"

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>lastmile · GraphiQL</title>
  <link rel="stylesheet" href="graphiql-assets/graphiql.min.css">
  <style>body { margin: 0; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="graphiql-assets/react.production.min.js"></script>
  <script src="graphiql-assets/react-dom.production.min.js"></script>
  <script src="graphiql-assets/graphiql.min.js"></script>
  <script src="graphiql-assets/start.js"></script>
</body>
</html>
"""


def asset_routes() -> list:
    return [Mount(PREFIX, app=StaticFiles(directory=ASSETS), name="graphiql-assets")]
