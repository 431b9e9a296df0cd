import pytest

from indexer.core.dates import talk_date


@pytest.mark.parametrize(
    ("record", "date"),
    [
        ({"publish_date": "2023-04-21"}, "2023-04-21"),
        ({"publish_date": "2023-04-21T10:00:00Z"}, "2023-04-21"),
        ({"publish_date": "2023-04"}, "2023-04"),
        ({"publish_date": "2024", "event": "re:Invent 2022"}, "2024"),
        ({"event": "AWS re:Invent 2022"}, "2022"),
        ({"publish_date": "2023-02-30", "event": "Summit 2023"}, "2023-02"),
        ({"publish_date": "soon", "event": "Podcast"}, None),
        ({}, None),
        ({"event": "Room 2450 talks"}, None),
        ({"event": "TED2015"}, "2015"),  # a year joined to the event's name
        ({"event": "TEDxBeaconStreet2019 day 2"}, "2019"),
        ({"event": "Hall 12019"}, None),
        ({"event": "Build 20230"}, None),
    ],
)
def test_a_talk_is_dated_from_its_publish_date_or_its_events_year(record, date):
    assert talk_date(record) == date


def test_every_talk_in_search_results_carries_its_date(fixture_data):
    from tests.searching import search

    dates = {r["talk"]["title"]: r["talk"]["date"] for r in search(fixture_data / "index", "the",
                                                                     per_page=50)["results"]}  # fmt: skip
    assert dates["Growth loops, explained | Ada Example"] == "2023-04-21"  # publish_date
    assert dates["Grace Hopper - Rear Admiral"] == "2024"  # the event: DevCon 2024
