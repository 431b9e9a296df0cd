"""A stand-in for YouTube's web server, mounted under the real youtube-transcript-api.

It answers the three requests the library makes (watch page, player API,
timedtext XML) from transcripts the test supplies, and can misbehave in each of
the ways YouTube does. The library, its parsing and its exceptions stay real.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html import escape
from urllib.parse import parse_qs, urlsplit

import requests
from requests.adapters import BaseAdapter

WATCH_PAGE = '<html><script>ytcfg.set({"INNERTUBE_API_KEY": "test-key"});</script></html>'
RECAPTCHA_PAGE = '<html><div class="g-recaptcha"></div></html>'


@dataclass
class Track:
    language_code: str
    snippets: list[dict]
    generated: bool = False
    translatable_to: tuple[str, ...] = ()
    name: str = ""


@dataclass
class FakeYouTube(BaseAdapter):
    """Videos by id → their caption tracks, plus per-video faults."""

    videos: dict[str, list[Track]] = field(default_factory=dict)
    faults: dict[str, str] = field(default_factory=dict)
    requests_seen: list[str] = field(default_factory=list)
    fail_times: int = 10**9

    def __post_init__(self) -> None:
        super().__init__()

    def close(self) -> None:
        pass

    def send(self, request, **kwargs):
        self.requests_seen.append(f"{request.method} {request.url}")
        url = urlsplit(request.url)
        query = parse_qs(url.query)
        if url.path == "/watch":
            video_id = query["v"][0]
            return self._watch(request, video_id)
        if url.path == "/youtubei/v1/player":
            video_id = json.loads(request.body)["videoId"]
            return self._player(request, video_id)
        if url.path == "/api/timedtext":
            return self._timedtext(request, query["v"][0], query["lang"][0], query.get("tlang"))
        return _response(request, 404, "not found")

    def _fault(self, video_id: str) -> str:
        fault = self.faults.get(video_id, "")
        if fault and self.fail_times > 0:
            return fault
        return ""

    def _watch(self, request, video_id):
        fault = self._fault(video_id)
        if fault == "reset":
            self.fail_times -= 1
            raise requests.ConnectionError("Connection reset by peer")
        if fault == "timeout":
            self.fail_times -= 1
            raise requests.ReadTimeout("read timed out")
        if fault == "http429":
            self.fail_times -= 1
            return _response(request, 429, "Too Many Requests")
        if fault == "http500":
            self.fail_times -= 1
            return _response(request, 500, "Internal Server Error")
        if fault == "recaptcha":
            self.fail_times -= 1
            return _response(request, 200, RECAPTCHA_PAGE)
        return _response(request, 200, WATCH_PAGE)

    def _player(self, request, video_id):
        fault = self._fault(video_id)
        statuses = {
            "bot": {
                "status": "LOGIN_REQUIRED",
                "reason": "Sign in to confirm you\u2019re not a bot",
            },
            "age": {
                "status": "LOGIN_REQUIRED",
                "reason": "This video may be inappropriate for some users.",
            },
            "unavailable": {"status": "ERROR", "reason": "This video is unavailable"},
            "unplayable": {"status": "UNPLAYABLE", "reason": "Private video"},
        }
        if fault in statuses:
            self.fail_times -= 1
            return _response(request, 200, json.dumps({"playabilityStatus": statuses[fault]}))
        if video_id not in self.videos or fault == "disabled":
            return _response(request, 200, json.dumps({"playabilityStatus": {"status": "OK"}}))
        tracks = []
        for track in self.videos[video_id]:
            base = f"https://www.youtube.com/api/timedtext?v={video_id}&lang={track.language_code}"
            if fault == "potoken":
                base += "&exp=xpe"
            entry = {
                "baseUrl": base,
                "name": {"runs": [{"text": track.name or track.language_code}]},
                "languageCode": track.language_code,
                "isTranslatable": bool(track.translatable_to),
            }
            if track.generated:
                entry["kind"] = "asr"
            tracks.append(entry)
        languages = sorted({code for t in self.videos[video_id] for code in t.translatable_to})
        captions = {
            "captionTracks": tracks,
            "translationLanguages": [
                {"languageCode": code, "languageName": {"runs": [{"text": code}]}}
                for code in languages
            ],
        }
        body = {
            "playabilityStatus": {"status": "OK"},
            "captions": {"playerCaptionsTracklistRenderer": captions},
        }
        return _response(request, 200, json.dumps(body))

    def _timedtext(self, request, video_id, language, translate_to):
        fault = self._fault(video_id)
        if fault == "badxml":
            self.fail_times -= 1
            return _response(request, 200, "<transcript><text start='0'>unclosed")
        if fault == "reset_captions":
            self.fail_times -= 1
            raise requests.ConnectionError("Connection reset by peer")
        track = next(t for t in self.videos[video_id] if t.language_code == language)
        rows = "".join(
            f'<text start="{s["start"]}" dur="{s["duration"]}">{escape(_translated(s["text"], translate_to))}</text>'
            for s in track.snippets
        )
        return _response(
            request, 200, f'<?xml version="1.0" encoding="utf-8" ?><transcript>{rows}</transcript>'
        )


def _translated(text: str, translate_to) -> str:
    return f"[{translate_to[0]}] {text}" if translate_to else text


def _response(request, status: int, body: str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body.encode("utf-8")
    response.encoding = "utf-8"
    response.url = request.url
    response.request = request
    response.reason = "test"
    return response
