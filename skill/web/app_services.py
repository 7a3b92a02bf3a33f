"""The one accessor for the services the Flask app was created with (create_app keeps them in its config)."""

from __future__ import annotations

from flask import current_app
from flask.sansio.app import App

from ..bootstrap import Services

_KEY = "SERVICES"


def services_of(app: App) -> Services:
    """For code that holds the app outside a request (a blueprint's setup state)."""
    services: Services = app.config[_KEY]
    return services


def current_services() -> Services:
    """The services of the app handling this request. Named so that a view may keep a local `services`."""
    return services_of(current_app)
