"""GraphiQL works with no internet: its files come from the package, and a headless Chromium with
every address but 127.0.0.1 blocked loads the page, runs a query and shows the result.

The browser test needs Debian's chromium and chromium-driver (.ci/run installs them) and the
selenium package; without them it is skipped locally (CI always has them)."""

import asyncio
import hashlib
import os
import shutil
import socket
import urllib.parse

import pytest
import uvicorn

from core.graphiql import ASSETS, PAGE
from core.testing import TEST_PLUGINS, GraphQLClient

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def test_vendored_files_match_their_release_record():
    """The files are those scripts/vendor_graphiql.sh took from the pinned releases, licences included."""
    lines = (ASSETS / "VERSIONS").read_text().splitlines()
    assert lines[0].startswith("graphiql 3.")
    sums = [line.split() for line in lines if len(line.split()) == 2 and len(line.split()[0]) == 64]
    assert {name for _, name in sums} == {
        "graphiql.min.js",
        "graphiql.min.css",
        "react.production.min.js",
        "react-dom.production.min.js",
    }
    for digest, name in sums:
        assert hashlib.sha256((ASSETS / name).read_bytes()).hexdigest() == digest, name
    licences = (ASSETS / "LICENSES.txt").read_text()
    assert licences.count("MIT License") == 3 and "graphiql 3." in licences


async def test_page_and_assets_come_from_this_server(client):
    page = await client.http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.text == PAGE
    assert "http://" not in page.text and "https://" not in page.text  # no CDN
    for name in ("graphiql.min.js", "graphiql.min.css", "react.production.min.js", "start.js"):
        resp = await client.http.get(f"/graphiql-assets/{name}")
        assert resp.status_code == 200 and len(resp.content) > 100, name


async def test_no_ide_in_production(app_factory):
    app = app_factory((), env="production", secret_key="p" * 40)
    async with GraphQLClient(app) as client:
        assert (await client.http.get("/graphiql-assets/graphiql.min.js")).status_code == 404


def _free_port() -> int:
    wanted = os.environ.get("LASTMILE_TEST_HTTP_PORT")
    if wanted:
        return int(wanted)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,800",
        # The network is blocked: no name resolves but 127.0.0.1, and any other address would
        # go through a proxy that refuses every connection.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        "--proxy-server=http://127.0.0.1:9",
    ):
        options.add_argument(arg)
    return webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))


def _run_in_browser(base: str) -> tuple[str, str]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver = _browser()
    try:
        query = urllib.parse.quote("{ __typename plugins { name } }")
        driver.get(f"{base}/graphql#query={query}")
        WebDriverWait(driver, 60).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, ".graphiql-execute-button")
        )
        cdn = driver.execute_async_script(
            "const done = arguments[0];"
            "fetch('https://unpkg.com/graphiql/graphiql.min.js').then(() => done('reached'), () => done('blocked'));"
        )
        driver.find_element(By.CSS_SELECTOR, ".graphiql-execute-button").click()
        WebDriverWait(driver, 60).until(
            lambda d: "Query" in d.find_element(By.CSS_SELECTOR, ".result-window").text
        )
        return cdn, driver.find_element(By.CSS_SELECTOR, ".result-window").text
    finally:
        driver.quit()


async def test_graphiql_runs_a_query_with_the_network_blocked(app_factory):
    _browser().quit()  # skip early when there is no browser
    port = _free_port()
    app = app_factory(TEST_PLUGINS)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    # On the tests' event loop, so that the app uses the session's database connection.
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not serving.done(), "the test server did not start"
            await asyncio.sleep(0.05)
        cdn, result = await asyncio.to_thread(_run_in_browser, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        await serving
    assert cdn == "blocked"
    assert '"data"' in result and '"__typename": "Query"' in result and '"plugins"' in result
    assert "errors" not in result
