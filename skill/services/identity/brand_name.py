"""The deployment's name in sign-in codes and account notices: BRAND_NAME, else its only biller's, else "billpay"."""

from __future__ import annotations

from ...domain.branding import DEFAULT_BRAND_NAME
from ...storage.uow import UnitOfWork


def deployment_brand_name(uow: UnitOfWork, configured: str | None) -> str:
    """Inside the caller's open unit of work. A person signs in to the deployment, not to one biller, so a
    deployment serving several billers names itself (BRAND_NAME) or falls back to the product's name."""
    if configured:
        return configured
    names = uow.billers.first_names(2)
    return names[0] if len(names) == 1 else DEFAULT_BRAND_NAME
