"""Flask app factory: one blueprint per area, services built once and kept on the app."""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from ..bootstrap import Services, bootstrap
from ..settings import Settings
from .request_ids import init_request_ids
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
    init_request_ids(app)  # X-Request-ID in, out, and on every log line of the request

    from .account_views import bp as account_bp
    from .alexa_endpoint import bp as alexa_bp
    from .api import bp as api_bp
    from .health import bp as health_bp
    from .invoice_links import bp as invoice_links_bp
    from .login_views import bp as login_bp
    from .metrics import bp as metrics_bp
    from .oauth_views import init_oauth
    from .pay import bp as pay_bp
    from .start import bp as start_bp
    from .stripe_webhooks import bp as stripe_webhooks_bp
    from .wallet import bp as wallet_bp

    for blueprint in (
        health_bp,
        metrics_bp,
        stripe_webhooks_bp,
        alexa_bp,
        api_bp,
        pay_bp,
        wallet_bp,
        login_bp,
        account_bp,
        invoice_links_bp,  # /go/invoice/<id>: a receipt's next step
        start_bp,  # / and, in the demo only, /demo/mailbox
    ):
        app.register_blueprint(blueprint)
    init_oauth(app, services)  # /oauth/authorize, /oauth/token, /oauth/revoke (Authlib)
    # Imported here, not at the top: `billpay serve` sets PROMETHEUS_MULTIPROC_DIR before prometheus-client loads.
    from ..observability.prometheus import install_prometheus

    install_prometheus()  # turns, payments and webhook latency counted in this process, shown on /metrics
    hops = services.settings.trusted_proxy_hops
    if hops:
        # Behind a TLS proxy the client's address (login limits per address) and scheme come from it.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        response = jsonify({"title": exc.name, "status": exc.code, "detail": exc.description})
        response.status_code = exc.code or 500
        return response

    return app
