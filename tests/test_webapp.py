"""The web app through Flask's test client: every route, status codes, hostile input."""

from __future__ import annotations

import json
import re
import shutil
import time
from contextlib import contextmanager
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, quote, urljoin, urlsplit

import pytest
from click.testing import CliRunner
from flask import render_template
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.cli import main
from indexer.engines.whoosh.build import build_index
from indexer.ingest.collect import DataFolder, read_talks, sync_transcripts
from indexer.search.library import NO_TRANSCRIPT, TITLE_UNSAID
from indexer.search.results import clock
from webapp import create_app
from webapp.engine_cache import close_engine

HOPPER = "devcon-2024-grace-hopper-rear-admiral"
NOTES_ONLY_TITLE = "Hallway track"


@contextmanager
def app_client(data: Path):
    """A test client of an app on `data`; the app's open index is closed afterwards."""
    app = create_app({"DATA_DIR": data, "TESTING": True})
    try:
        yield app.test_client()
    finally:
        close_engine(app)


@pytest.fixture(scope="module")
def client(web_data):
    with app_client(web_data) as test_client:
        yield test_client


def html_of(response) -> str:
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def hostile_talk_id(client) -> str:
    result = client.get("/api/search?q=ampersands").get_json()
    return result["results"][0]["talk"]["id"]


# -- pages -----------------------------------------------------------------------------


def test_home_has_a_focused_labelled_search_box(client):
    page = html_of(client.get("/"))
    assert '<label for="q"' in page
    assert re.search(r'<input id="q" name="q" type="search"[^>]*autofocus', page)
    assert "Search 7 talks" in page  # 6 test talks + the hostile one


def test_the_search_tips_name_every_filter_the_query_language_has(client):
    from indexer.search.query import DATE_FIELDS, FILTER_FIELDS

    page = client.get("/").get_data(as_text=True)
    tips = page[page.index('<dl class="syntax">') :]
    assert all(f"{name}:" in tips for name in (*FILTER_FIELDS, *DATE_FIELDS, "in"))


def test_search_page_groups_results_by_talk_with_notes_and_moments(client):
    page = html_of(client.get("/search?q=moth+relay"))
    assert "1 talk for <q>moth relay</q>" in page
    assert f'href="/talk/{HOPPER}?q=moth+relay"' in page
    assert "Grace Hopper, Rear Admiral" in page and "DevCon 2024" in page and "Keynotes" in page
    # Without JavaScript a moment opens YouTube at the second; with it, the talk page.
    moment = re.search(
        r'<a class="stamp play" href="([^"]+)"\s+data-talk-href="([^"]+)"[^>]*>([\d:]+)</a>', page
    )
    assert moment is not None
    youtube, talk_page, clock = (unescape(group) for group in moment.groups())
    seconds = int(parse_qs(urlsplit(youtube).query)["t"][0].rstrip("s"))
    assert youtube == f"https://www.youtube.com/watch?v=aaaaaaaaaaa&t={seconds}s"
    assert 80 <= seconds <= 105  # the moth is mentioned at ~104 s
    address, anchor = talk_page.split("#")
    assert address == f"/talk/{HOPPER}?t={seconds}&v=aaaaaaaaaaa&q=moth+relay"
    assert re.fullmatch(r"at-aaaaaaaaaaa-\d+", anchor)  # the passage, so the page opens there
    assert clock == f"0:{seconds // 60:02d}:{seconds % 60:02d}"
    assert "<mark>moth</mark>" in page


def test_search_page_marks_the_searched_words_in_titles_and_speakers(client):
    page = html_of(client.get("/search?q=hopper+moth"))
    assert '<span class="speaker">Grace <mark>Hopper</mark>, Rear Admiral</span>' in page
    page = html_of(client.get("/search?q=escaping+ampersands"))  # a hostile title stays text
    title = re.search(r'<h2 id="title-1" class="talk-title">\s*<a [^>]*>(.*?)</a>', page, re.S)
    assert title is not None
    assert title.group(1) == (
        "<mark>Escaping</mark> untrusted text &lt;script&gt;window.__pwned = 1&lt;/script&gt;")


def test_a_talk_found_by_its_record_alone_shows_its_description(client):
    page = html_of(client.get("/search?q=explains+growth"))
    assert '<p class="description">Ada <mark>explains</mark> <mark>growth</mark> loops.' in page


def test_notes_matches_link_to_their_aligned_second(client):
    page = html_of(client.get("/search?q=compilers"))
    assert "From your notes" in page
    assert re.search(r'data-talk-href="/talk/' + HOPPER + r"\?t=\d+&amp;v=aaaaaaaaaaa", page)


def test_a_correction_a_fallback_and_the_empty_state_are_said(client):
    page = html_of(client.get("/search?q=the+compiler+Nanosecnod"))
    assert ('Did you mean\n    <a href="/search?q=the+compiler+Nanosecond">'
            'the compiler Nanosecond</a>?' in page)  # fmt: skip
    page = html_of(client.get("/search?q=zeppelins+moth"))
    assert "No talk has all of these words" in page
    page = html_of(client.get("/search?q=xylophonequartz"))
    assert "No talks match <q>xylophonequartz</q>." in page
    assert "Try fewer or different words" in page


def test_facets_filter_by_event_section_and_speaker(client):
    page = html_of(client.get("/search?q=nanosecond+OR+caching+OR+coffee"))
    facet = re.search(r'<a href="([^"]+)">\s*Workshops</a> <span class="count">(\d+)</span>', page)
    assert facet is not None and facet.group(2) == "2"
    filtered = html_of(client.get(unescape(facet.group(1))))
    assert "2 talks for" in filtered
    assert 'aria-current="true" class="active">\n        Workshops</a>' in filtered
    assert "Grace Hopper" not in filtered.split("<aside")[0]


def test_counts_of_talks_are_written_with_thousands_separators(client):
    """A library of thousands reads "2,801 talks" on every page that counts them."""
    app = client.application
    with app.test_request_context("/"):
        home = render_template("home.html", query="", examples=[], talk_count=2801,
                               transcribed=2801, missing=0)  # fmt: skip
        assert "Search 2,801 talks:" in home
        assert app.jinja_env.from_string("{{ 12|count }}").render() == "12"


def test_pagination(client):
    first = html_of(client.get("/search?q=the&per_page=2"))
    total = int(re.search(r"([\d,]+) talks for", first).group(1).replace(",", ""))
    assert total > 2
    # every link of a page keeps its size: the next page starts where this one stopped
    following = re.search(r'rel="next" href="([^"]+)"', first).group(1)
    assert following == "/search?q=the&amp;page=2&amp;per_page=2"
    second = html_of(client.get(unescape(following)))
    assert '<ol class="results" start="3">' in second
    assert 'rel="prev" href="/search?q=the&amp;page=1&amp;per_page=2"' in second
    by_date = re.search(r'href="(/search\?q=the&amp;sort=date[^"]*)"', second).group(1)
    assert "per_page=2" in by_date
    assert 'href="/search?q=the&amp;sort=date"' in html_of(client.get("/search?q=the&per_page=10"))
    beyond = html_of(client.get("/search?q=the&page=999"))
    assert "There is no page 999 for this search." in beyond


def test_talk_page_plays_from_the_second_with_notes_and_transcript(client):
    page = html_of(client.get(f"/talk/{HOPPER}?t=100&v=aaaaaaaaaaa"))
    assert "https://www.youtube.com/embed/aaaaaaaaaaa?enablejsapi=1&amp;start=100&amp;" in page
    assert 'data-start="100"' in page
    assert "Watch on YouTube from 0:01:40" in page
    assert "Nanoseconds explained with a length of wire" in page
    passages = re.findall(r'<li class="passage findable-item( now)?" data-start="([\d.]+)"', page)
    assert len(passages) > 3
    current = [float(start) for now, start in passages if now]
    assert len(current) == 1 and current[0] < 101
    assert f"Go to {clock(current[0])} in the transcript" in page
    assert re.search(r'data-seek="[\d.]+" data-video="aaaaaaaaaaa"', page)
    assert "in the transcript</a>" not in html_of(client.get(f"/talk/{HOPPER}?t=0"))  # on top


def test_talk_page_defaults_to_the_linked_start(client):
    # the notes link the video at ?t=1m5s
    page = html_of(client.get(f"/talk/{HOPPER}"))
    assert "start=65&amp;" in page


def test_unreadable_start_opens_the_talk_from_the_start(client):
    page = html_of(client.get(f"/talk/{HOPPER}?t=soon"))
    assert "start=0&amp;" in page


def test_talk_without_transcript_says_why(client):
    result = client.get("/api/search?q=title:caching").get_json()
    talk_id = result["results"][0]["talk"]["id"]
    page = html_of(client.get(f"/talk/{talk_id}"))
    assert "No transcript for ccccccccccc</strong> (offline)" in page
    assert "built offline and no transcript was cached" in page
    assert "Cache invalidation is hard" in page


def test_talk_without_video_shows_its_notes(client):
    result = client.get(f"/api/search?q=title:{NOTES_ONLY_TITLE.split()[0]}").get_json()
    talk_id = result["results"][0]["talk"]["id"]
    page = html_of(client.get(f"/talk/{talk_id}"))
    assert "These notes link no video" in page
    assert "Coffee was good" in page
    assert "<iframe" not in page


def test_two_video_talk_lists_both_transcripts(client):
    page = html_of(client.get(f"/talk/{hostile_talk_id(client)}"))
    assert "Video 1: eeeeeeeeeee" in page and "Video 2: fffffffffff" in page
    assert 'data-video="fffffffffff"' in page


# -- JSON API --------------------------------------------------------------------------


def test_api_search_matches_the_cli_json(client, web_data):
    for query in ("moth relay", "compiler nanosecnod", "zeppelins moth", "section:workshops"):
        cli = CliRunner().invoke(main, ["search", "--json", "--data", str(web_data), query])
        assert cli.exit_code == 0, cli.output
        api = client.get("/api/search", query_string={"q": query})
        assert api.status_code == 200
        assert api.get_json() == json.loads(cli.stdout)


def test_the_talk_page_marks_the_words_searched_for(client):
    """Opened from a result (its link carries the query), the talk page marks the words
    that search found, in the notes and the transcript; opened alone, nothing."""
    page = html_of(client.get(f"/talk/{HOPPER}", query_string={"q": "nanosecond wire", "t": 5}))
    assert "<mark>Nanoseconds</mark> explained with a length of <mark>wire</mark>" in page
    transcript = page[page.index('class="passages"'):]
    assert "how small a <mark>nanosecond</mark> really is" in transcript
    assert "pieces of <mark>wire</mark>." in transcript
    assert "<mark>" not in html_of(client.get(f"/talk/{HOPPER}?t=5"))
    found = client.get(f"/api/talks/{HOPPER}", query_string={"q": '"length of wire"'}).get_json()
    assert found["notes"][0]["html"] == (
        "Nanoseconds explained with a <mark>length of wire</mark>")  # fmt: skip
    assert "html" not in client.get(f"/api/talks/{HOPPER}").get_json()["notes"][0]


def test_the_talk_page_lists_where_the_search_is_said(client):
    """Each time links to its passage on the page (no JavaScript needed); words said
    only in the notes are not in the transcript, and the page says so."""
    page = html_of(client.get(f"/talk/{HOPPER}", query_string={"q": "nanosecond wire"}))
    said = page[page.index('class="said-at"'):page.index('class="find"')]
    anchors = re.findall(r'href="#(at-[^"]+)">(\d+:\d\d:\d\d)</a>', said)
    marked = re.findall(r'<li class="passage[^>]*id="(at-[^"]+)"[^>]*>(?:(?!</li>).)*<mark>',
                        page, re.S)  # fmt: skip
    assert anchors and [anchor for anchor, _ in anchors] == marked
    assert all(anchor.endswith(f"-{int(clock.split(':')[1]) * 60 + int(clock.split(':')[2])}")
               for anchor, clock in anchors)  # fmt: skip
    notes_only = html_of(client.get(f"/talk/{HOPPER}", query_string={"q": "explained length"}))
    assert "The transcript does not say the words of your search." in notes_only
    assert "<mark>explained</mark>" in notes_only
    assert 'class="said-at"' not in html_of(client.get(f"/talk/{HOPPER}"))
    two_videos = html_of(client.get(f"/talk/{hostile_talk_id(client)}",
                                    query_string={"q": "untrusted OR index"}))  # fmt: skip
    said = two_videos[two_videos.index('class="said-at"'):two_videos.index('class="find"')]
    assert re.search(r'video 1:</span> <a href="#at-eeeeeeeeeee-\d+">.*'
                     r'video 2:</span> <a href="#at-fffffffffff-\d+">', said, re.S)  # fmt: skip


def test_past_the_times_shown_the_talk_page_lists_those_saying_the_most(client, monkeypatch):
    import webapp.pages

    monkeypatch.setattr(webapp.pages, "SAID_AT_SHOWN", 1)  # "time" is said first, alone
    page = html_of(client.get(f"/talk/{HOPPER}", query_string={"q": "time OR compiler"}))
    said = page[page.index('class="said-at"'):page.index('class="find"')]
    passages = re.findall(r'<li class="passage[^>]*id="(at-[^"]+)"[^>]*>((?:(?!</li>).)*)',
                          page, re.S)  # fmt: skip
    words = {anchor: {w.lower() for w in re.findall(r"<mark>([^<]+)</mark>", body)}
             for anchor, body in passages}  # fmt: skip
    marked = [anchor for anchor, held in words.items() if held]
    most = max(len(held) for held in words.values())
    shown = re.findall(r'href="#(at-[^"]+)"', said)
    assert len(marked) > 1 and len(shown) == 1 and len(words[shown[0]]) == most
    assert shown[0] == next(anchor for anchor in marked if len(words[anchor]) == most)
    assert len(words[marked[0]]) < most
    assert f"and {len(marked) - 1} more" in said


def test_api_talk(client):
    detail = client.get(f"/api/talks/{HOPPER}").get_json()
    assert detail["talk"]["title"] == "Grace Hopper - Rear Admiral"
    assert [note["line"] for note in detail["notes"]] == [15, 16, 17]
    starts = [passage["start"] for passage in detail["passages"]]
    assert starts == sorted(starts) and len(starts) > 3
    assert detail["talk"]["videos"][0]["status"] == "ok"


def test_health(client):
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok" and health["talks"] == 7
    assert health["generation"].startswith("gen-")


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/api/search", 400, "The query is empty"),
        ("/api/search?q=", 400, "The query is empty"),
        ("/api/search?q=%20%20", 400, "The query is empty"),
        ("/api/search?q=" + "a" * 501, 400, "501 characters long; the limit is 500"),
        ("/api/search?q=wire&page=0", 400, "page must be from 1 to 1000, not 0"),
        ("/api/search?q=wire&page=-1", 400, "page must be a whole number"),
        ("/api/search?q=wire&page=abc", 400, "page must be a whole number"),
        ("/api/search?q=wire&page=1.5", 400, "page must be a whole number"),
        ("/api/search?q=wire&page=99999999999999", 400, "page must be a whole number"),
        ("/api/search?q=wire&page=%EF%BC%91", 400, "page must be a whole number"),  # fullwidth 1
        ("/api/search?q=wire&per_page=51", 400, "per_page must be from 1 to 50"),
        ("/api/talks/no-such-talk", 404, "No talk with id 'no-such-talk'"),
        ("/api/talks/..%2F..%2Fetc%2Fpasswd", 404, "Not Found"),
        ("/api/talks/" + "x" * 300, 404, "No talk with id"),
        ("/api/nothing", 404, "Not Found"),
    ],
)
def test_api_errors_are_json_with_a_message(client, path, status, message):
    response = client.get(path)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["status"] == status
    assert message in error["message"] or message == error["title"]


def test_api_rejects_other_methods_in_json(client):
    response = client.post("/api/search?q=wire")
    assert response.status_code == 405
    assert response.get_json()["error"]["status"] == 405


def test_page_errors_are_pages(client):
    response = client.get("/search?q=" + "b" * 600)
    assert response.status_code == 400
    assert "600 characters long" in html_of(response)
    response = client.get("/talk/no-such-talk")
    assert response.status_code == 404
    assert "There is no talk with the id" in html_of(response)
    assert client.get("/search?q=wire&page=x").status_code == 400


# -- security --------------------------------------------------------------------------


def test_untrusted_notes_and_titles_are_shown_as_text(client):
    talk_id = hostile_talk_id(client)
    for page in (html_of(client.get("/search?q=ampersands")),
                 html_of(client.get(f"/talk/{talk_id}"))):  # fmt: skip
        assert "<script>window" not in page and "<img src=x" not in page
        assert "<b>not bold" not in page
        assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    page = html_of(client.get(f"/talk/{talk_id}"))
    assert "&lt;img src=x onerror=&#34;window.__pwned = 2&#34;&gt; stays text" in page


def test_queries_are_escaped_everywhere(client):
    page = html_of(client.get('/search?q=<script>alert(1)</script>"onmouseover='))
    assert "<script>alert" not in page
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;&#34;onmouseover="' in page


def test_every_response_has_the_content_security_policy(client):
    for path in ("/", "/search?q=wire", f"/talk/{HOPPER}", "/api/search?q=wire", "/healthz",
                 "/static/talkseek.css", "/no/such/page", "/api/search"):  # fmt: skip
        with client.get(path) as response:
            policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "script-src 'self' https://www.youtube.com https://s.ytimg.com" in policy
        assert "frame-src https://www.youtube.com" in policy
        assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy


def test_pages_hold_no_inline_script_or_style(client):
    page = html_of(client.get(f"/talk/{HOPPER}"))
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/talkseek.js" defer>']
    assert "style=" not in page and "<style" not in page and "onclick" not in page


SAFE_CHARS = st.characters(blacklist_categories=("Cs",))


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    q=st.text(SAFE_CHARS, max_size=80)
    | st.sampled_from(['"', "*", "-", "speaker:", "a OR", "<b>x</b>", "%00", "\x00"]),
    page=st.one_of(st.none(), st.text(max_size=6), st.integers(-5, 2000).map(str)),
    per_page=st.one_of(st.none(), st.integers(-1, 60).map(str)),
    talk_id=st.text(SAFE_CHARS, min_size=1, max_size=40),
)
def test_any_input_gives_no_server_error_and_no_markup(client, q, page, per_page, talk_id):
    params = {"q": q}
    if page is not None:
        params["page"] = page
    if per_page is not None:
        params["per_page"] = per_page
    response = client.get("/search", query_string=params)
    assert response.status_code < 500, params
    assert "<b>x</b>" not in response.get_data(as_text=True)
    response = client.get("/api/search", query_string=params)
    assert response.status_code < 500, params
    assert response.mimetype == "application/json"
    for item in (response.get_json() or {}).get("results", []):
        for part in item["notes"] + item["moments"]:
            assert "<b>" not in part["html"]
    response = client.get("/talk/" + quote(talk_id, safe=""), query_string={"t": q})
    assert response.status_code < 500
    response = client.get(f"/talk/{HOPPER}", query_string={"q": q})
    assert response.status_code == 200 and "<b>x</b>" not in html_of(response)
    response = client.get("/api/talks/x", query_string=params)
    assert response.status_code == 404


# -- the index behind the app ------------------------------------------------------------


def test_a_rebuilt_index_is_served_without_a_restart(fixture_data, tmp_path):
    root = tmp_path / "data"
    shutil.copytree(fixture_data, root)
    with app_client(root) as client:
        assert client.get("/api/search?q=zeppelin+airship").get_json()["total"] == 0
        before = client.get("/healthz").get_json()["generation"]
        (root / "notes" / "airships.md").write_text("# Airships\n\n* The zeppelin airship era\n")
        folder = DataFolder(root)
        build_index(sync_transcripts(read_talks(folder), folder, None), folder.index)
        # the new generation opens in the background; requests meanwhile get the old one
        deadline = time.monotonic() + 30
        while client.get("/healthz").get_json()["generation"] == before:
            assert time.monotonic() < deadline, "the rebuilt index was never served"
            time.sleep(0.05)
        result = client.get("/api/search?q=zeppelin+airship").get_json()
        assert [item["talk"]["title"] for item in result["results"]] == ["Airships"]


def test_an_index_made_by_another_version_says_so_and_what_to_run(tmp_path):
    from indexer.engines.whoosh import generations
    from tests.conftest import TEST_DATA, build_data_folder

    data = build_data_folder(tmp_path, TEST_DATA / "notes", TEST_DATA / "transcripts")
    pointer = data / "index" / generations.POINTER
    written = json.loads(pointer.read_text())
    pointer.write_text(json.dumps({**written, "analyzer": written["analyzer"] - 1}))
    with app_client(data) as client:
        response = client.get("/api/search?q=moth")
        assert response.status_code == 503
        message = response.get_json()["error"]["message"]
        assert message == ("the index was made by another version of talkseek: "
                           "run `talkseek index` to rebuild it")  # fmt: skip
        page = html_of(client.get("/search?q=moth"))
        assert "No index to search" in page and "another version of talkseek" in page


def test_no_index_yet_says_what_to_run(tmp_path):
    with app_client(tmp_path) as client:
        response = client.get("/api/search?q=wire")
        assert response.status_code == 503
        assert "run `talkseek index` first" in response.get_json()["error"]["message"]
        page = client.get("/")
        assert page.status_code == 503 and "talkseek index" in html_of(page)


def test_a_search_stopped_by_its_budget_says_so_in_json_page_and_cli(client, web_data, monkeypatch):
    import indexer.search

    monkeypatch.setattr(indexer.search, "SEARCH_SECONDS", 0.0)
    found = client.get("/api/search?q=moth+relay").get_json()
    assert found["partial"] is True and found["total"] >= 1
    assert "stopped early" in html_of(client.get("/search?q=moth+relay"))
    result = CliRunner().invoke(main, ["search", "--data", str(web_data), "moth", "relay"])
    assert result.exit_code == 0 and "stopped early" in result.output
    monkeypatch.setattr(indexer.search, "SEARCH_SECONDS", 60.0)
    assert client.get("/api/search?q=moth+relay").get_json()["partial"] is False


def test_the_results_page_has_one_h1_naming_the_query(client):
    page = html_of(client.get("/search?q=moth"))
    assert page.count("<h1") == 1 and "Results for “moth”</h1>" in page


def test_a_facet_shows_when_results_span_several_values_even_one_talk_each(client):
    found = client.get("/api/search?q=the").get_json()
    speakers = found["facets"]["speaker"]
    assert len(speakers) >= 2 and all(value["count"] == 1 for value in speakers)
    page = html_of(client.get("/search?q=the"))
    assert "<h2>Speaker</h2>" in page
    one = client.get("/api/search?q=nanosecond").get_json()["facets"]["speaker"]
    assert len(one) == 1
    assert "<h2>Speaker</h2>" not in html_of(client.get("/search?q=nanosecond"))


def test_talks_without_transcripts_are_said_so_with_how_to_get_them(bundled_data, client):
    """The bundled notes indexed offline have no transcripts: the home page must not promise
    their words, each card says why, and the page says how to get them."""
    with app_client(bundled_data) as offline:
        home = html_of(offline.get("/"))
        assert "every word of their transcripts" not in home
        assert "none has a transcript yet" in home and "data/transcripts/" in home
        assert "--proxy" in home
        page = html_of(offline.get("/search?q=eventbridge"))
        assert "No transcript to search: The index was built offline" in page
    home = html_of(client.get("/"))
    assert "every word of the transcripts of the 4 that have one" in home
    page = html_of(client.get("/search?q=nanosecond"))
    assert "No transcript to search" not in page


def test_example_searches_come_from_the_index_served_and_find_talks(client, lenny_data):
    home = html_of(client.get("/"))
    shown = [unescape(found) for found in re.findall(r'<li><a href="/search\?q=[^"]+">([^<]+)</a>', home)]
    assert any(example.startswith("speaker:") for example in shown)
    assert any(example.startswith("event:") for example in shown)
    assert any(example.startswith('"') for example in shown)
    for example in shown:
        assert client.get("/api/search", query_string={"q": example}).get_json()["total"] >= 1
    assert "speaker:vogels" not in home  # nothing about AWS in these notes
    with app_client(lenny_data) as podcasts:
        shown = re.findall(r'<li><a href="/search\?q=[^"]+">([^<]+)</a>', html_of(podcasts.get("/")))
        assert shown and "speaker:vogels" not in shown
        for example in shown:
            found = podcasts.get("/api/search", query_string={"q": unescape(example)}).get_json()
            assert found["total"] >= 1, example


def test_the_talk_page_shows_the_transcript_once_without_the_overlaps(client):
    page = html_of(client.get(f"/talk/{HOPPER}"))
    spoken = " ".join(re.findall(r'<span class="text findable">([^<]*)</span>', page))
    assert spoken.count("runs counterclockwise to remind me") == 1
    assert spoken.count("we were debugging the computer") == 1
    detail = client.get(f"/api/talks/{HOPPER}").get_json()
    whole = " ".join(p["text"] for p in detail["passages"])
    assert whole.count("runs counterclockwise to remind me") == 2  # the API keeps passages whole
    for sentence in re.split(r"(?<=[.!?])\s+", whole):
        assert sentence.strip() in spoken  # nothing said is lost


def test_results_sort_by_date_in_the_api_the_page_and_the_cli(client, web_data):
    found = client.get("/api/search?q=the&sort=date").get_json()
    assert found["sort"] == "date"
    dates = [r["talk"]["date"] for r in found["results"]]
    known = [d for d in dates if d]
    assert known == sorted(known, reverse=True) and dates[len(known):] == [None] * (len(dates) - len(known))
    assert client.get("/api/search?q=the&sort=size").status_code == 400
    page = html_of(client.get("/search?q=the&sort=date"))
    assert '<strong aria-current="true">date</strong>' in page
    assert ("date unknown" in page) == (None in dates)
    assert all(f'<span class="date">{d}</span>' in page for d in known)
    assert 'href="/search?q=the&amp;sort=relevance"' in page
    result = CliRunner().invoke(main, ["search", "--json", "--sort", "date", "--data", str(web_data), "the"])
    assert json.loads(result.stdout)["sort"] == "date"


def test_the_library_lists_every_talk_filtered_and_sorted(client):
    everything = client.get("/api/talks").get_json()
    health = client.get("/healthz").get_json()
    assert everything["total"] == health["talks"] and everything["sort"] == "date"
    dates = [talk["date"] for talk in everything["talks"]]
    known = [d for d in dates if d]
    assert known == sorted(known, reverse=True) and dates[len(known):] == [None] * (len(dates) - len(known))
    by_title = client.get("/api/talks?sort=title").get_json()["talks"]
    assert [t["title"].casefold() for t in by_title] == sorted(t["title"].casefold() for t in by_title)
    speaker = next(t["speaker"] for t in by_title if t["speaker"])
    theirs = client.get("/api/talks", query_string={"speaker": speaker}).get_json()
    assert theirs["total"] >= 1 and {t["speaker"] for t in theirs["talks"]} == {speaker}
    year = client.get("/api/talks?year=2024").get_json()
    assert year["total"] >= 1 and all(t["date"].startswith("2024") for t in year["talks"])
    assert client.get("/api/talks?sort=length").status_code == 400
    assert client.get("/api/talks?page=99").get_json()["talks"] == []
    pair = client.get("/api/talks?per_page=2&page=2").get_json()
    assert pair["per_page"] == 2 and pair["pages"] == -(-everything["total"] // 2)
    assert pair["talks"] == everything["talks"][2:4]
    assert client.get("/api/talks?per_page=101").status_code == 400


def test_the_library_lists_the_talks_that_need_attention(client):
    """Indexed offline, a talk has no transcript; a merged fixture gave another a
    transcript that is not its own: the library lists each by its problem."""
    everything = client.get("/api/talks?per_page=100").get_json()["talks"]
    missing = sorted(t["title"] for t in everything if t["transcript_missing"])
    unsaid = sorted(t["title"] for t in everything if t["title_unsaid"])
    assert missing and unsaid and not set(missing) & set(unsaid)
    for problem, titles in ((NO_TRANSCRIPT, missing), (TITLE_UNSAID, unsaid)):
        listed = client.get("/api/talks", query_string={"problem": problem}).get_json()
        assert sorted(t["title"] for t in listed["talks"]) == titles
        assert {"value": problem, "count": len(titles)} in listed["facets"]["problem"]
    page = html_of(client.get("/talks"))
    assert re.findall(r"<h2>([^<]+)</h2>", page)[0] == "Needs attention"  # the first facet
    assert 'href="/talks?sort=date&amp;problem=no+transcript"' in page


def test_the_library_page_links_speakers_events_sorts_and_facets(client):
    page = html_of(client.get("/talks?sort=title"))
    assert page.count("<h1") == 1 and "All talks" in page
    assert '<strong aria-current="true">title</strong>' in page
    assert 'href="/talks?sort=date"' in page
    assert re.search(r'<span class="speaker"><a href="/talks\?speaker=[^"]+">', page)
    assert re.search(r'<span class="event"><a href="/talks\?event=DevCon\+2024">DevCon 2024</a>', page)
    filtered = html_of(client.get("/talks?event=DevCon+2024"))
    assert "show all" in filtered and "Hallway track" in filtered
    small = html_of(client.get("/talks?sort=title&per_page=1"))
    assert 'rel="next" href="/talks?sort=title&amp;per_page=1&amp;page=2"' in small
    assert 'href="/talks?sort=date&amp;per_page=1"' in small
    assert "Growth loops" not in filtered
    assert 'href="/talks"' in html_of(client.get("/"))  # reachable from every page


def test_a_video_known_only_by_its_local_transcript_links_to_the_talk_page(tmp_path):
    """A podcast episode whose id is not YouTube's: no page to play it on, so every
    timestamp opens the talk page at that passage (there is no blank link)."""
    notes, transcripts = tmp_path / "notes", tmp_path / "transcripts"
    notes.mkdir()
    transcripts.mkdir()
    (notes / "episode.md").write_text("---\ntitle: Pricing power\nguest: Pat Example\n"
                                      "video_id: pat-example-ep\n---\n", encoding="utf-8")  # fmt: skip
    said = [{"text": f"Line {n}: the flywheel of pricing comes up again.", "start": 30.0 * n,
             "duration": 30.0} for n in range(6)]  # fmt: skip
    (transcripts / "pat-example-ep.json").write_text(json.dumps(said), encoding="utf-8")
    folder = DataFolder(tmp_path)
    build_index(sync_transcripts(read_talks(folder), folder, None), folder.index, full=True)
    with app_client(tmp_path) as local:
        result = local.get("/api/search?q=flywheel").get_json()["results"][0]
        assert result["moments"] and all(m["url"] == "" for m in result["moments"])
        page = html_of(local.get("/search?q=flywheel"))
        stamps = re.findall(r'<a class="stamp play" href="([^"]*)"', page)
        assert stamps and all(unescape(href).startswith("/talk/episode?t=") for href in stamps)
        talk = html_of(local.get("/talk/episode?t=60&v=pat-example-ep"))
        assert 'href=""' not in talk and "Watch" not in talk
        assert "read from a file" in talk
        anchors = re.findall(r'<a class="stamp" href="#(at-pat-example-ep-\d+)"', talk)
        assert len(anchors) == 6 and all(f'id="{anchor}"' in talk for anchor in anchors)
    output = CliRunner().invoke(main, ["search", "--data", str(tmp_path), "flywheel"]).output
    assert "0:01:30  Line 3" in output and not re.search(r"\n +\n", output)  # no blank link


def test_a_note_beginning_with_a_time_plays_from_it_without_a_transcript(tmp_path):
    """Offline, no transcript: a bullet jotted as `12:34 …` still opens the video there."""
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keynote.md").write_text(
        "# Keynote\n\n[YouTube](https://www.youtube.com/watch?v=R11YgBEZzqE)\n\n"
        "* 12:34 SnapStart restores a snapshot instead of initialising\n"
        "* Firecracker snapshots are layered\n", encoding="utf-8")  # fmt: skip
    folder = DataFolder(tmp_path)
    build_index(sync_transcripts(read_talks(folder), folder, None), folder.index, full=True)
    with app_client(tmp_path) as local:
        notes = local.get("/api/search?q=snapshot").get_json()["results"][0]["notes"]
        stated, plain = sorted(notes, key=lambda note: note["line"])
        assert stated["start"] == 754.0 and stated["url"].endswith("v=R11YgBEZzqE&t=754s")
        assert plain["start"] is None and plain["url"] is None
        talk = html_of(local.get("/talk/keynote-keynote?t=754"))
        assert 'data-seek="754.0"' in talk


class _Links(HTMLParser):
    """The links (`href`, `src`) and the element ids of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src", "action") and value:
                self.links.append(value)
            elif name == "id" and value:
                self.ids.add(value)


def test_every_link_of_the_site_leads_somewhere(client):
    """From the start page, a search and the library, every link on this site is
    followed (a few hundred pages): none fails, and each `#anchor` names an element
    of the page it points into."""
    ids_of: dict[str, set[str]] = {}
    wanted: list[tuple[str, str]] = []
    queue = ["/", "/search?q=the", "/search?q=wire+nanosecond", "/talks"]
    seen = set(queue)
    while queue and len(ids_of) < 400:
        path = queue.pop(0)
        with client.get(path) as response:
            assert response.status_code == 200, (path, response.status_code)
            text = response.get_data(as_text=True)
            if response.mimetype != "text/html":
                continue
        page = _Links()
        page.feed(text)
        ids_of[path] = page.ids
        for link in page.links:
            target = urlsplit(urljoin(path, link))
            if target.scheme or target.netloc or link.startswith("javascript:"):
                continue  # YouTube, or another site
            local = target.path + (f"?{target.query}" if target.query else "")
            if target.fragment:
                wanted.append((local, target.fragment))
            if local not in seen:
                seen.add(local)
                queue.append(local)
    assert len(ids_of) > 20, len(ids_of)
    for path, anchor in wanted:
        if path in ids_of:
            assert anchor in ids_of[path], (path, anchor)
