"""X-Request-ID: taken from the caller when it is short and printable, else new; echoed on the response and
carried by every log line of the request. On /alexa the skill rebinds it to Alexa's request id."""

from __future__ import annotations

from flask import Flask, Response, request

from ..observability.context import acceptable_request_id, bind_request_id, current_request_id

HEADER = "X-Request-ID"


def init_request_ids(app: Flask) -> None:
    @app.before_request
    def _bind() -> None:
        bind_request_id(acceptable_request_id(request.headers.get(HEADER)))

    @app.after_request
    def _echo(response: Response) -> Response:
        request_id = current_request_id()
        if request_id:
            response.headers[HEADER] = request_id
        return response
