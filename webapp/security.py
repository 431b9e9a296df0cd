"""Response headers that keep untrusted notes and transcripts from running as code.

The pages load scripts only from this site and YouTube's player API, frame only
YouTube's player, and may not be framed themselves.
"""

from __future__ import annotations

from flask import Flask, Response

YOUTUBE_SCRIPTS = "https://www.youtube.com https://s.ytimg.com"
YOUTUBE_FRAMES = "https://www.youtube.com https://www.youtube-nocookie.com"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        f"script-src 'self' {YOUTUBE_SCRIPTS}",
        f"frame-src {YOUTUBE_FRAMES}",
        "img-src 'self' data: https://i.ytimg.com",
        "style-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # YouTube's embedded player needs to know which site embeds it.
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


def init_app(app: Flask) -> None:
    @app.after_request
    def secure_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response
