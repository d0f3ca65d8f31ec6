"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Playwright cannot download its own browsers here, so we launch /usr/bin/chromium. Its sync API
runs an event loop in the test thread, which makes Django's async-safety check refuse ORM calls
from the test body: DJANGO_ALLOW_ASYNC_UNSAFE lifts it (tests only). A failing test leaves a
screenshot of each of its pages in var/screenshots/ (git-ignored with var/).
"""

import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps calling home on a closed network.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PASSWORD = "motdepasse-solide-42"  # tests.factories.make_user's default


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def new_page(browser, live_server, transactional_db, request):
    """Open a page in a fresh browser context (its own cookies: one person each), French
    locale, desktop unless `PHONE` is passed. Relative URLs go to the live server."""
    contexts = []

    def make(device=DESKTOP):
        context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris",
                                      base_url=live_server.url, **device)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    failed = any(getattr(getattr(request.node, f"report_{when}", None), "failed", False)
                 for when in ("setup", "call"))
    for n, context in enumerate(contexts):
        if failed:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            for m, page in enumerate(context.pages):
                page.screenshot(path=SCREENSHOTS / f"{name}-{n}-{m}.png", full_page=True)
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def field(label: str) -> re.Pattern:
    """Match a field's label exactly, whatever suffix the language adds (French: "Nom\u00a0:")."""
    return re.compile(rf"^{re.escape(label)}\s*:?$")


def log_in(page, email, password=PASSWORD):
    """Log in through allauth's form, as a person would."""
    page.goto("/comptes/login/")
    page.get_by_label(field("Courriel")).fill(email)
    page.get_by_label(field("Mot de passe")).fill(password)
    page.locator("main").get_by_role("button", name="Connexion").click()
    page.wait_for_url(lambda url: "/comptes/login/" not in url)
