"""A biller's own branding (logo URL, brand colour) as the API reads and sets it; the name stays the biller's."""

from __future__ import annotations

from dataclasses import dataclass

from ...domain.branding import check_colour, check_logo_url
from ...domain.errors import NotFound
from ...storage.uow import UnitOfWork


@dataclass(frozen=True)
class BrandingView:
    name: str
    logo_url: str | None
    brand_colour: str | None


def get_branding(uow: UnitOfWork, biller_id: int) -> BrandingView:
    with uow:
        biller = uow.billers.get(biller_id)
        if biller is None:
            raise NotFound("unknown biller")
        return BrandingView(biller.name, biller.logo_url, biller.brand_colour)


def set_branding(
    uow: UnitOfWork, biller_id: int, *, logo_url: str | None, brand_colour: str | None
) -> BrandingView:
    """Replace both fields (None removes one); both are checked before anything is written."""
    logo = check_logo_url(logo_url) if logo_url is not None else None
    colour = check_colour(brand_colour) if brand_colour is not None else None
    with uow:
        biller = uow.billers.get(biller_id)
        if biller is None:
            raise NotFound("unknown biller")
        biller.logo_url, biller.brand_colour = logo, colour
        uow.commit()
        return BrandingView(biller.name, biller.logo_url, biller.brand_colour)
