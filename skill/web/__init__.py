"""Flask app factory: one blueprint per area, services built once and kept on the app."""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from ..bootstrap import Services, bootstrap
from ..config import Settings
from .security import init_security

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, services: Services | None = None) -> Flask:
    if services is None:
        services = bootstrap(settings or Settings.from_env())
    app = Flask(__name__)
    app.config["SERVICES"] = services
    app.config["SECRET_KEY"] = services.settings.secret_key or None
    app.config["MAX_CONTENT_LENGTH"] = 8 * 1024 * 1024
    init_security(app, services.settings)  # headers, cookie flags, CSRF (see security.py)

    from .alexa_endpoint import bp as alexa_bp
    from .api import bp as api_bp
    from .health import bp as health_bp
    from .pay import bp as pay_bp
    from .stripe_webhooks import bp as stripe_webhooks_bp
    from .wallet import bp as wallet_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(stripe_webhooks_bp)
    app.register_blueprint(alexa_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(pay_bp)
    app.register_blueprint(wallet_bp)
    from .account_views import bp as account_bp
    from .login_views import bp as login_bp
    from .oauth_views import init_oauth

    app.register_blueprint(login_bp)
    app.register_blueprint(account_bp)
    init_oauth(app, services)  # /oauth/authorize, /oauth/token, /oauth/revoke (Authlib)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        response = jsonify({"title": exc.name, "status": exc.code, "detail": exc.description})
        response.status_code = exc.code or 500
        return response

    return app


def services_of(app: Flask) -> Services:
    services: Services = app.config["SERVICES"]
    return services
