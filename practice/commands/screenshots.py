"""`practice screenshots --out docs/screenshots`: a PNG of every web page.

Starts the real practice service on free loopback ports with its state in a temporary folder
(so it runs beside `make run`), seeds the demonstration world of `practice/demo.py` (accounts with
random passwords, a cohort, an assignment, three conversations, a reviewer's comment), then
signs in as each role in headless Chromium (Debian's, at /usr/bin/chromium, or
`PRACTICE_CHROMIUM`) and photographs each page at desktop width, and the chat and the report
at phone width too. Nothing is kept but the pictures.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when the command runs: Playwright is an optional dependency
    from playwright.sync_api import Browser, BrowserContext

    from practice.demo import Demo

from actions.settings import Settings

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}
PHONE_PAGES = ("chat", "report")


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("screenshots", help="write a PNG of every web page (starts its own service)")
    parser.add_argument(
        "--out", type=Path, default=Path("docs/screenshots"), help="folder for the PNGs (default docs/screenshots)"
    )
    parser.add_argument("--only", nargs="*", metavar="NAME", help="only these pages (names as in practice/demo.py)")
    parser.add_argument("--full-page", action="store_true", help="the whole page, not just the first screenful")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from practice.demo import seed
    from practice.engine import ensure_model
    from practice.supervisor import Stack, StackConfig, StackError, free_port

    chromium = Settings().chromium
    if not chromium.exists():
        print(
            f"Chromium not found at {chromium}: install Debian's chromium (`make browser`), "
            "or point PRACTICE_CHROMIUM at one.",
            file=sys.stderr,
        )
        return 1
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="practice-screenshots-") as state:
        config = StackConfig(
            model=ensure_model(),
            rasa_port=free_port(),
            action_port=free_port(),
            api_port=free_port(),
            state_dir=Path(state),
        )
        stack = Stack(config)
        print("Starting the practice service (Rasa, actions, API)...", file=sys.stderr)
        try:
            stack.start(timeout=400)
        except StackError as exc:
            print(exc, file=sys.stderr)
            return 1
        try:
            demo = seed(config.api_url, config.resolved_database_url)
            written = _photograph(demo, chromium, out, only=set(args.only or ()), full_page=args.full_page)
        finally:
            stack.stop()
    for path in written:
        print(path)
    return 0


def _photograph(demo: Demo, chromium: Path, out: Path, *, only: set[str], full_page: bool) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True)
        try:
            for size_name, viewport in (("", DESKTOP), ("-phone", PHONE)):
                contexts = {}
                for page_info in demo.pages():
                    if only and page_info.name not in only:
                        continue
                    if size_name and page_info.name not in PHONE_PAGES:
                        continue
                    if page_info.who not in contexts:
                        contexts[page_info.who] = signed_in(
                            browser, demo, page_info.who, viewport=viewport, device_scale_factor=1
                        )
                    page = contexts[page_info.who].new_page()
                    page.goto(f"{demo.api_url}{page_info.path}")
                    page.evaluate("document.activeElement && document.activeElement.blur()")
                    path = out / f"{page_info.name}{size_name}.png"
                    page.screenshot(path=str(path), full_page=full_page)
                    written.append(path)
                    page.close()
                for ctx in contexts.values():
                    ctx.close()
        finally:
            browser.close()
    return written


def signed_in(browser: Browser, demo: Demo, role: str, **options: Any) -> BrowserContext:
    """A browser context signed in as the demo account for `role` ("" for nobody)."""
    context = browser.new_context(locale="en-GB", **options)
    if role:
        page = context.new_page()
        username, password = demo.accounts[role]
        page.goto(f"{demo.api_url}/sign-in")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/sign-in" not in url)
        page.close()
    return context
