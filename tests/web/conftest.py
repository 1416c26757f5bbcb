"""A real server and a real browser for the browser tests.

The server is uvicorn on a free 127.0.0.1 port in a background thread, over a SQLite *file*
(a browser's requests arrive on other threads and connections, so the per-test rollback of
the other tests cannot apply). Tests seed it through ``unit_of_work(live_server.engine)``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import Engine

from fairdesk.app import create_app
from fairdesk.config import Settings
from fairdesk.db.migrate import upgrade
from fairdesk.db.session import build_engine
from tests.conftest import TEST_SECRET

CHROMIUM = Path("/usr/bin/chromium")
# No sandbox (containers run as root); nothing that would reach the network on its own.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
STARTUP_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class LiveServer:
    url: str
    engine: Engine


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("live")
    engine = build_engine(f"sqlite:///{data_dir / 'fairdesk.db'}")
    upgrade(engine)
    settings = Settings(data_dir=data_dir, secret_key=TEST_SECRET)
    server = uvicorn.Server(uvicorn.Config(create_app(settings, engine), log_level="warning"))
    # Binding here, before the thread starts, means no other process can take the port.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the live uvicorn server did not start", pytrace=False)
        time.sleep(0.02)
    yield LiveServer(f"http://127.0.0.1:{port}", engine)
    server.should_exit = True
    thread.join(timeout=STARTUP_TIMEOUT_S)
    sock.close()
    engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: browser tests need Debian's chromium package "
                    "(apt-get install chromium)", pytrace=False)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context per test: its own cookies, so every test signs in itself."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    yield tab
    context.close()
