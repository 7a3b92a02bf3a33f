"""SMS through Twilio's Programmable Messaging REST API, with a configurable base URL (TWILIO_API_BASE).

https://www.twilio.com/docs/messaging/api/message-resource
Twilio takes no idempotency key on message creation, so an unknown outcome is reconciled by looking the
message up (`find_sent`) instead of sending it again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from ..settings.notifications import NotifySettings
from .messages import render
from .senders import DeliveryOutcomeUnknown, OutgoingMessage, PermanentDeliveryError, TransientDeliveryError

# Refused before any message was made (credentials, rate limit, overload): retry later, never give up the message.
_TRANSIENT_STATUSES = {401, 403, 408, 429, 503}
_LOOKUP_LIMIT = 100  # newest first; an unknown outcome is reconciled within minutes of the send


# The twilio client logs every request's parameters (phone numbers, bodies with links) at INFO: never let it.
_QUIET = logging.getLogger("skill.notifications.sms.twilio_http")
_QUIET.setLevel(logging.WARNING)


class TwilioSender:
    channel = "sms"
    resend_is_safe = False

    def __init__(self, settings: NotifySettings, http_client: Any = None) -> None:
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        assert settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_from
        self._from = settings.twilio_from
        self._client = Client(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            http_client=http_client or TwilioHttpClient(timeout=settings.send_timeout_seconds, logger=_QUIET),
            # Settings come from skill.settings only: keep the client from reading TWILIO_EDGE/REGION itself,
            # which would rewrite the host name below.
            environment={"TWILIO_EDGE": "", "TWILIO_REGION": ""},
        )
        # Each Twilio domain object carries its base URL; the Api domain serves /2010-04-01/Accounts/...
        self._client.api.base_url = settings.twilio_api_base

    def send(self, message: OutgoingMessage) -> str | None:
        body = render(message.kind, message.locale, message.payload).sms
        with _twilio_errors():
            created = self._client.messages.create(to=message.recipient, from_=self._from, body=body)
        return str(created.sid)

    def find_sent(self, message: OutgoingMessage, since: datetime) -> str | None:
        """Twilio lists messages newest first; the body (with its one-time link) identifies ours."""
        body = render(message.kind, message.locale, message.payload).sms
        with _twilio_errors(lookup=True):
            for record in self._client.messages.list(
                to=message.recipient, from_=self._from, limit=_LOOKUP_LIMIT, page_size=_LOOKUP_LIMIT
            ):
                created = record.date_created
                if record.body == body and (created is None or created >= since):
                    return str(record.sid)
        return None


@contextmanager
def _twilio_errors(lookup: bool = False) -> Iterator[None]:
    """Map Twilio and HTTP errors onto the sender contract, without recipients in the error text."""
    from requests import ConnectionError as RequestsConnectionError
    from requests import ConnectTimeout, RequestException
    from twilio.base.exceptions import TwilioRestException

    try:
        yield
    except TwilioRestException as exc:
        text = f"twilio http {exc.status} code {exc.code}"
        if lookup or exc.status in _TRANSIENT_STATUSES:
            raise TransientDeliveryError(text) from None
        if exc.status >= 500:  # the message may have been created before the error: look before resending
            raise DeliveryOutcomeUnknown(text) from None
        raise PermanentDeliveryError(text) from None
    except RequestException as exc:
        text = f"twilio {type(exc).__name__}"
        if lookup or isinstance(exc, ConnectTimeout) or _refused(exc, RequestsConnectionError):
            raise TransientDeliveryError(text) from None
        # A read timeout or a dropped connection after the request went out: Twilio may have the message.
        raise DeliveryOutcomeUnknown(text) from None


def _refused(exc: BaseException, connection_error: type[BaseException]) -> bool:
    """True when no connection was made, so the request certainly never reached Twilio."""
    from urllib3.exceptions import NewConnectionError

    reason = getattr(exc.args[0], "reason", None) if isinstance(exc, connection_error) and exc.args else None
    return isinstance(reason, NewConnectionError)
