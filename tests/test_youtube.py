import pytest

from indexer.core.youtube import (
    VideoLink,
    is_video_id,
    parse_start,
    parse_video_url,
    watch_url,
    written_urls,
)

ID = "R11YgBEZzqE"


@pytest.mark.parametrize(
    ("url", "start"),
    [
        (f"https://www.youtube.com/watch?v={ID}", None),
        (f"http://youtube.com/watch?feature=share&v={ID}", None),
        (f"https://m.youtube.com/watch?v={ID}&t=90", 90.0),
        (f"https://music.youtube.com/watch?v={ID}&list=RD123", None),
        (f"https://youtu.be/{ID}", None),
        (f"https://youtu.be/{ID}?t=1h2m3s", 3723.0),
        (f"https://www.youtube.com/embed/{ID}?start=42", 42.0),
        (f"https://www.youtube-nocookie.com/embed/{ID}", None),
        (f"https://www.youtube.com/shorts/{ID}", None),
        (f"https://www.youtube.com/live/{ID}?si=abc&t=2m", 120.0),
        (f"https://www.youtube.com/v/{ID}", None),
        (f"https://www.youtube.com/watch?v={ID}#t=1m30s", 90.0),
        (f"  https://WWW.YOUTUBE.COM/watch?v={ID}&t=75s  ", 75.0),
    ],
)
def test_every_url_form_gives_the_id_and_start(url, start):
    link = parse_video_url(url)
    assert link is not None
    assert link.video_id == ID
    assert link.start == start


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/user/amazonwebservices",
        "https://www.youtube.com/@aws",
        "https://www.youtube.com/playlist?list=PL2yQDdvlhXf",
        "https://www.youtube.com/watch?v=gokul-rajaram",
        "https://www.youtube.com/watch?v=short",
        f"https://www.youtube.com/watch?v={ID}x",
        f"https://example.com/watch?v={ID}",
        f"https://vimeo.com/{ID}",
        f"ftp://youtu.be/{ID}",
        "https://youtu.be/",
        "",
        "not a url at all",
        "http://[::1",
    ],
)
def test_anything_that_is_not_one_video_gives_none(url):
    assert parse_video_url(url) is None


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("90", 90.0),
        ("90s", 90.0),
        ("1m30s", 90.0),
        ("1h", 3600.0),
        ("1h2m3s", 3723.0),
        ("1:02:03", 3723.0),
        ("2:05", 125.0),
        ("12.5", 12.5),
        ("", None),
        ("abc", None),
    ],
)
def test_start_time_in_any_unit_form(value, seconds):
    assert parse_start(value) == seconds


def test_ids_must_have_eleven_safe_characters():
    assert is_video_id(ID)
    assert is_video_id("-LywX3T5Scc")
    assert not is_video_id("gokul-rajaram")
    assert not is_video_id("../../etc/pa")
    assert not is_video_id("")


def test_watch_url_opens_at_the_second():
    assert watch_url(ID) == f"https://www.youtube.com/watch?v={ID}"
    assert watch_url(ID, 123.9) == f"https://www.youtube.com/watch?v={ID}&t=123s"


def test_addresses_spelt_out_in_text_are_found_without_the_sentence_around_them():
    text = ("Watch https://youtu.be/aaaaaaaaaaa?t=90. Also (youtube.com/watch?v=bbbbbbbbbbb), "
            "m.youtube.com/shorts/ccccccccccc! Not notyoutube.com/watch?v=ddddddddddd nor "
            "me@youtube.com/x; the channel www.youtube.com/@devcon")  # fmt: skip
    urls, rest = written_urls(text)
    assert urls == [
        "https://youtu.be/aaaaaaaaaaa?t=90",
        "https://youtube.com/watch?v=bbbbbbbbbbb",
        "https://m.youtube.com/shorts/ccccccccccc",
        "https://www.youtube.com/@devcon",
    ]
    assert [parse_video_url(url) for url in urls] == [
        VideoLink("aaaaaaaaaaa", 90.0), VideoLink("bbbbbbbbbbb"), VideoLink("ccccccccccc"), None]
    assert rest == ("Watch . Also (), ! Not notyoutube.com/watch?v=ddddddddddd nor "
                    "me@youtube.com/x; the channel ")  # fmt: skip
    assert written_urls("no address here") == ([], "no address here")


@pytest.mark.parametrize("shortcode", [
    "{{< youtube aaaaaaaaaaa >}}", '{{< youtube id="aaaaaaaaaaa" title="Keynote" >}}',
    "{% youtube aaaaaaaaaaa %}", '{% include youtube.html id="aaaaaaaaaaa" %}',
])  # fmt: skip
def test_a_site_generators_video_shortcode_names_its_video(shortcode):
    """Notes kept in a Hugo or Jekyll site embed a video by its id alone."""
    assert written_urls(f"Recording: {shortcode} (slides later)") == (
        [watch_url("aaaaaaaaaaa")], "Recording:  (slides later)")


def test_shortcodes_that_name_no_youtube_video_are_text():
    for text in ("{{< youtube short >}}", "{{< vimeo 12345678901 >}}", "{% youtube %}"):
        assert written_urls(text) == ([], text)
