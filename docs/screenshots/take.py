"""Take the README's screenshots of the web chat: its main states at desktop and phone width.

    python docs/screenshots/take.py          # writes docs/screenshots/*.png (about a minute)

It builds a throwaway index of the sample article and the test fixture articles, serves the real app
on a free loopback port, answers offline, and drives Debian's chromium through Playwright.
"""

from __future__ import annotations

import shutil
import socket
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from rag import Assistant, Settings  # noqa: E402
from ui.app import launch  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]
QUESTION = "How did the US vote on the UN resolution?"
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


def corpus(target: Path) -> Path:
    target.mkdir(parents=True)
    shutil.copy(ROOT / "corpus" / "trump-alliance-betrayal.md", target)
    for path in (ROOT / "tests" / "fixtures" / "corpus").iterdir():
        shutil.copy(path, target)
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answered(page, question: str) -> None:
    """Ask and wait until the answer's cards are there and nothing is generating."""
    before = page.locator("#chat .source-card, #chat .refusal").count()
    page.fill("#question textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => document.querySelectorAll('#chat .source-card, #chat .refusal').length > {before}")
    page.wait_for_function("() => !document.querySelector('#chat .generating, #chat .pending')")


def shoot(page, name: str) -> None:
    page.screenshot(path=str(OUT / f"{name}.png"))
    print(f"wrote {OUT / name}.png")


def main() -> None:
    base = Path(tempfile.mkdtemp(prefix="rag-shots-"))
    bot = Assistant(Settings(data_dir=base / "index", corpus_dir=corpus(base / "corpus"), llm="extractive"))
    bot.ingest()
    port = free_port()
    app = launch(bot, "127.0.0.1", port, block=False)
    url = f"http://127.0.0.1:{port}/"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            page = browser.new_context(viewport=DESKTOP).new_page()
            page.goto(url)
            page.wait_for_selector("#question textarea")
            answered(page, QUESTION)
            answered(page, "And China?")
            shoot(page, "desktop-answer")
            page.locator("#chat .source-card .card-quote").last.click()
            page.wait_for_function("() => document.querySelector('#source-panel').classList.contains('open')")
            page.locator("#source-view .cited").wait_for()
            page.wait_for_timeout(600)  # the panel slides in
            shoot(page, "desktop-source-panel")
            page.goto(url)
            page.wait_for_selector("#question textarea")
            page.click("#articles .label-wrap")
            page.wait_for_function("() => document.querySelectorAll('#article-table div[role=row]').length > 3")
            page.locator("#articles").scroll_into_view_if_needed()
            shoot(page, "desktop-articles")
            page.context.close()

            page = browser.new_context(viewport=DESKTOP).new_page()
            page.goto(url + "?__theme=dark")
            page.wait_for_selector("#question textarea")
            answered(page, "Who won the women's race at the Riverton marathon?")
            page.locator('#chat [data-testid="bot"]').last.hover()
            page.locator('#chat button[aria-label="Dislike"]').last.click()
            page.locator("#feedback-box").first.wait_for()
            shoot(page, "desktop-dark-feedback")
            page.context.close()

            page = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
            page.goto(url)
            page.wait_for_selector("#question textarea")
            page.wait_for_function("() => !document.querySelector('#sidebar').classList.contains('open')")
            answered(page, QUESTION)
            page.locator('#chat [data-testid="bot"]').last.scroll_into_view_if_needed()
            shoot(page, "phone-answer")
            page.locator("#chat .source-card .card-quote").first.click()
            page.wait_for_function("() => document.querySelector('#source-panel').classList.contains('open')")
            page.locator("#source-view .cited").wait_for()
            page.wait_for_timeout(600)
            shoot(page, "phone-source-panel")
            browser.close()
    finally:
        app.close()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
