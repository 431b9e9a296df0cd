"""The pages in a real browser: Debian's Chromium driven by Playwright, served by waitress.

YouTube cannot be reached here, so its player API script is replaced by a double
(`youtube_player_double.js`) that records what the page asks the player to do.
Every other request leaving 127.0.0.1 is refused, as it would be offline.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.web_server import served
from webapp import create_app
from webapp.engine_cache import close_engine

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path(os.environ.get("TALKSEEK_CHROMIUM", "/usr/bin/chromium"))
PLAYER_DOUBLE = (Path(__file__).parent / "youtube_player_double.js").read_text()
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOPPER = "devcon-2024-grace-hopper-rear-admiral"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed: pip install -e '.[test]'")
    if not CHROMIUM.exists():
        _unavailable(f"no Chromium at {CHROMIUM}: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(web_data):
    """The app under waitress on a free port, as `talkseek serve` runs it."""
    app = create_app({"DATA_DIR": web_data})
    with served(app) as url:
        yield url
    close_engine(app)


class Offline:
    """Routes for a page: YouTube's player replaced (or broken), everything else refused."""

    def __init__(self, player: bool = True) -> None:
        self.player = player
        self.requested: list[str] = []

    def __call__(self, route) -> None:
        url = route.request.url
        if url.startswith("http://127.0.0.1:"):
            route.continue_()
            return
        self.requested.append(url)
        if url.startswith("https://www.youtube.com/iframe_api") and self.player:
            route.fulfill(status=200, content_type="text/javascript", body=PLAYER_DOUBLE)
        elif url.startswith(("https://www.youtube.com/embed/", "https://www.youtube.com/watch")):
            route.fulfill(status=200, content_type="text/html",
                          body="<!doctype html><title>YouTube double</title><p>video</p>")  # fmt: skip
        else:
            route.abort()


@pytest.fixture()
def open_page(browser):
    contexts = []

    def opener(url: str, player: bool = True, javascript: bool = True, width: int = 1280):
        context = browser.new_context(
            viewport={"width": width, "height": 900}, java_script_enabled=javascript
        )
        contexts.append(context)
        offline = Offline(player)
        context.route("**/*", offline)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url)
        page.offline, page.errors = offline, errors
        return page

    yield opener
    for context in contexts:
        context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def calls(page) -> list:
    return page.evaluate("window.__player ? window.__player.calls : null")


def wait_for_player(page) -> None:
    page.wait_for_selector("body.player-ready", state="attached", timeout=5000)


def test_a_moment_in_the_results_plays_on_the_talk_page_from_its_second(server, open_page):
    page = open_page(f"{server}/search?q=moth+relay")
    shot(page, "results")
    moment = page.locator("a.stamp.play").first
    talk_href = moment.get_attribute("data-talk-href")
    assert moment.get_attribute("href") == talk_href  # rewritten from the YouTube link
    seconds = int(parse_qs(urlsplit(talk_href).query)["t"][0])
    assert 80 <= seconds <= 105
    moment.click()
    page.wait_for_url(f"**/talk/{HOPPER}?t={seconds}*")
    wait_for_player(page)
    assert calls(page)[0] == ["seekTo", seconds, True]
    assert f"/embed/aaaaaaaaaaa?enablejsapi=1&start={seconds}&" in page.locator(
        "#player"
    ).get_attribute("src")
    current = page.locator(".passage.now")
    assert current.count() == 1
    assert float(current.get_attribute("data-start")) < seconds + 1  # t is whole seconds
    assert "moth" in current.inner_text()
    shot(page, "talk")
    assert page.errors == []


def test_a_transcript_timestamp_seeks_without_reloading(server, open_page):
    page = open_page(f"{server}/talk/{HOPPER}")
    wait_for_player(page)
    page.evaluate("window.__stillHere = true")
    stamp = page.locator(".passage a.stamp").nth(4)
    start = float(stamp.get_attribute("data-seek"))
    stamp.click()
    assert calls(page)[-2:] == [["seekTo", start, True], ["playVideo"]]
    assert page.evaluate("window.__stillHere") is True
    assert f"t={int(start)}" in page.url
    assert page.locator(".passage.now").get_attribute("data-start") == stamp.get_attribute(
        "data-seek"
    )
    note = page.locator(".notes a.stamp").last  # notes aligned to the video seek too
    note.click()
    assert calls(page)[-2][0:2] == ["seekTo", float(note.get_attribute("data-seek"))]
    assert page.evaluate("window.__stillHere") is True


def test_the_passage_being_played_is_followed(server, open_page):
    page = open_page(f"{server}/talk/{HOPPER}?t=0")
    wait_for_player(page)
    last = page.locator(".passage").last
    target = float(last.get_attribute("data-start")) + 1
    page.evaluate(f"window.__player.time = {target}; window.__player.setState(1)")
    page.wait_for_function(
        "document.querySelector('.passage:last-child').classList.contains('now')", timeout=3000
    )
    assert page.locator(".passage.now").count() == 1
    assert last.get_attribute("aria-current") == "true"


def test_a_timestamp_of_another_video_loads_that_video(server, open_page):
    page = open_page(f"{server}/search?q=ampersands")
    page.locator(".talk-title a").first.click()
    wait_for_player(page)
    stamp = page.locator('.passage a.stamp[data-video="fffffffffff"]').nth(2)
    start = float(stamp.get_attribute("data-seek"))
    stamp.click()
    assert calls(page)[-1] == ["loadVideoById", "fffffffffff", start]
    assert "v=fffffffffff" in page.url
    # the hostile title and notes were shown as text and ran nothing
    assert page.evaluate("window.__pwned") is None
    assert "<script>window.__pwned = 1</script>" in page.locator("h1").inner_text()
    assert '<img src=x onerror="window.__pwned = 2">' in page.locator(".notes").inner_text()
    # captions lose their tags, and what is left of a bracket is shown as text
    assert (
        '1 < 2 & "quotes" and window.__pwned = 3 stay'
        in page.locator(".transcript-panel").inner_text()
    )
    shot(page, "talk-two-videos")


def test_the_talk_page_works_when_the_player_never_loads(server, open_page):
    page = open_page(f"{server}/talk/{HOPPER}", player=False)
    page.wait_for_function(
        "document.getElementById('player-state').textContent.includes('could not load')"
    )
    assert page.evaluate("window.__player") is None
    page.fill("#find-text", "nanosecond")
    assert page.locator("mark.found").count() >= 2
    stamp = page.locator(".passage a.stamp").nth(2)
    start = int(float(stamp.get_attribute("data-seek")))
    stamp.click()  # no player: the link opens YouTube at the second
    page.wait_for_url(f"https://www.youtube.com/watch?v=aaaaaaaaaaa&t={start}s")


def test_without_javascript_everything_is_a_link(server, open_page):
    page = open_page(f"{server}/search?q=moth+relay", javascript=False)
    href = page.locator("a.stamp.play").first.get_attribute("href")
    assert href.startswith("https://www.youtube.com/watch?v=aaaaaaaaaaa&t=")
    page.locator(".talk-title a").first.click()
    page.wait_for_url(f"**/talk/{HOPPER}*")
    assert page.locator("#find").is_hidden()
    assert (
        page.locator(".passage a.stamp")
        .first.get_attribute("href")
        .startswith("https://www.youtube.com/watch?v=aaaaaaaaaaa")
    )
    assert page.locator("iframe#player").count() == 1


def test_without_javascript_a_talk_page_at_a_second_opens_at_that_passage(server, open_page):
    """A link to a moment of the talk page carries the passage's anchor: with JavaScript off
    the page opens scrolled to it, the passage marked; a bare `?t=` offers a link to it."""
    with_js = open_page(f"{server}/search?q=moth+relay")
    href = with_js.locator("a.stamp.play").first.get_attribute("data-talk-href")
    assert "#at-aaaaaaaaaaa-" in href
    page = open_page(f"{server}{href}", javascript=False, width=1280)
    anchor = href.split("#", 1)[1]
    passage = page.locator(f"li.passage#{anchor}")
    assert passage.get_attribute("aria-current") == "true"
    top = passage.evaluate("element => element.getBoundingClientRect().top")
    assert 0 <= top < 900 and page.evaluate("window.scrollY") > 0
    shot(page, "talk-anchor-no-javascript")
    bare = open_page(f"{server}{href.split('#')[0]}", javascript=False)
    jump = bare.locator("p.jump a")
    assert jump.get_attribute("href") == f"#{anchor}"
    jump.click()
    assert bare.evaluate("window.scrollY") > 0


def test_the_sticky_player_hides_what_scrolls_under_it(server, open_page):
    """At desktop width the player stays in view; the notes scrolling up under it must be
    covered by it, not drawn through it."""
    page = open_page(f"{server}/talk/{HOPPER}?t=100", width=1280)
    page.evaluate("window.scrollTo(0, 400)")
    found = page.evaluate("""() => {
        const watch = document.querySelector('.watch').getBoundingClientRect();
        const heading = document.querySelector('#notes-heading').getBoundingClientRect();
        const top = Math.max(watch.top, heading.top), bottom = Math.min(watch.bottom, heading.bottom);
        if (bottom <= top) return {overlap: false};
        const hit = document.elementFromPoint(heading.left + 5, (top + bottom) / 2);
        return {overlap: true, inWatch: !!hit.closest('.watch'),
                background: getComputedStyle(document.querySelector('.watch')).backgroundColor};
    }""")
    shot(page, "talk-scrolled")
    assert found["overlap"], "scroll did not bring the notes under the player"
    assert found["inWatch"] and found["background"] != "rgba(0, 0, 0, 0)"


def test_copy_link_copies_the_talk_page_at_the_moment(server, open_page):
    page = open_page(f"{server}/search?q=moth+relay")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    link = page.locator("a.copy-link").first
    expected = link.get_attribute("href")
    assert expected.startswith(f"{server}/talk/{HOPPER}?t=") and "#at-aaaaaaaaaaa-" in expected
    link.click()
    page.wait_for_function("document.querySelector('a.copy-link').textContent === 'Copied'")
    assert page.evaluate("navigator.clipboard.readText()") == expected
    assert page.url.startswith(f"{server}/search")  # copying does not navigate
    opened = open_page(expected, javascript=False)
    anchor = expected.split("#")[1]
    assert opened.locator(f"li.passage#{anchor}").get_attribute("aria-current") == "true"


def test_the_library_sorts_and_filters_with_plain_links(server, open_page):
    page = open_page(f"{server}/talks", javascript=False)
    shot(page, "talks")
    assert page.locator("h1").inner_text() == "All talks"
    page.get_by_role("link", name="title", exact=True).click()
    page.wait_for_url("**/talks?sort=title")
    titles = page.locator(".library-list .talk-title").all_inner_texts()
    assert titles == sorted(titles, key=str.casefold) and len(titles) >= 5
    page.locator(".event a", has_text="DevCon 2024").first.click()
    page.wait_for_url("**/talks?event=DevCon*")
    events = page.locator(".library-list .event a").all_inner_texts()
    assert events and set(events) == {"DevCon 2024"}
    assert len(page.locator(".library-list li").all()) < len(titles)


def test_slash_focuses_the_search_box_and_find_counts_matches(server, open_page):
    page = open_page(f"{server}/talk/{HOPPER}")
    page.locator("h1").click()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.fill("#find-text", "wire")
    found = page.locator("mark.found").count()
    assert found >= 2
    assert page.locator("#find-count").inner_text() == f"{found} found"
    page.press("#find-text", "Enter")
    assert page.locator("#find-count").inner_text() == f"1 of {found}"
    assert page.locator("mark.found-current").count() == 1
    page.press("#find-text", "Escape")
    assert page.locator("mark.found").count() == 0


def test_the_words_searched_for_stay_marked_once_a_find_is_cleared(server, open_page):
    page = open_page(f"{server}/talk/{HOPPER}?q=wire")
    searched = page.locator(".passages mark:not(.found)").count()
    assert searched >= 2
    page.fill("#find-text", "nanosecond")
    assert page.locator("mark.found").count() >= 1
    page.press("#find-text", "Escape")
    assert page.locator("mark.found").count() == 0
    assert page.locator(".passages mark:not(.found)").count() == searched


def test_with_nothing_typed_the_arrows_step_through_the_words_searched_for(server, open_page):
    page = open_page(f"{server}/talk/{HOPPER}?q=wire")
    searched = page.locator(".findable mark:not(.found)").count()
    assert searched >= 2
    page.click("#find-next")
    page.click("#find-next")
    assert page.locator("#find-count").inner_text() == f"2 of {searched}"
    current = page.locator("mark.found-current")
    assert current.count() == 1 and current.inner_text().lower() == "wire"
    assert current.evaluate("m => m.getBoundingClientRect().top < window.innerHeight")
    page.click("#find-previous")
    assert page.locator("#find-count").inner_text() == f"1 of {searched}"
    page.fill("#find-text", "nanosecond")  # a find of its own takes over
    assert page.locator("mark.found-current").count() == 0
    page.press("#find-text", "Escape")  # and once cleared, the arrows step the search again
    page.click("#find-next")
    assert page.locator("#find-count").inner_text() == f"1 of {searched}"


def test_phone_width_has_no_sideways_scrolling(server, open_page):
    for path, name in (("/search?q=nanosecond+OR+caching", "results-phone"),
                       (f"/talk/{HOPPER}", "talk-phone")):  # fmt: skip
        page = open_page(server + path, width=390)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        shot(page, name)


def test_on_a_phone_a_moments_words_take_the_whole_width(server, open_page):
    page = open_page(server + "/search?q=nanosecond+OR+caching", width=390)
    widths = page.evaluate("""[...document.querySelectorAll('.moments li')].map(li =>
        [li.querySelector('.text').getBoundingClientRect().width, li.getBoundingClientRect().width])""")
    assert widths and all(text >= row - 1 for text, row in widths)  # time and link above
    wide = open_page(server + "/search?q=nanosecond+OR+caching")
    side = wide.evaluate("""(() => { const li = document.querySelector('.moments li');
        return [li.querySelector('.stamp').getBoundingClientRect().top,
                li.querySelector('.text').getBoundingClientRect().top]; })()""")
    assert abs(side[0] - side[1]) < 20  # on a wide screen, the time stands beside the words


@pytest.fixture(scope="module")
def lenny_server(lenny_data):
    app = create_app({"DATA_DIR": lenny_data})
    with served(app) as url:
        yield url
    close_engine(app)


def test_on_the_podcast_corpus_a_moment_lands_on_the_second_it_was_said(
    lenny_server, lenny_data, open_page
):
    # In yc1Uwhfxacs (Todd Jackson) this is said in the caption starting at 1182 s, 44 s long.
    said_from, said_to = 1182.0, 1226.0
    page = open_page(f"{lenny_server}/search?q=%22four+to+six+years%22+enterprise")
    first = page.locator(".result").first
    assert "Todd Jackson" in first.locator(".talk-title").inner_text()
    moment = first.locator("a.stamp.play").first
    talk_href = moment.get_attribute("data-talk-href")
    query = parse_qs(urlsplit(talk_href).query)
    seconds = int(query["t"][0])
    assert query["v"] == ["yc1Uwhfxacs"]
    assert said_from - 45 <= seconds <= said_to  # the moment's passage holds the caption
    moment.click()
    page.wait_for_url("**/talk/todd-jackson?*")
    wait_for_player(page)
    assert calls(page)[0] == ["seekTo", seconds, True]
    assert "four to six years" in page.locator(".passage.now").inner_text()
    shot(page, "talk-podcast")
