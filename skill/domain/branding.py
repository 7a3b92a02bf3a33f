"""A biller's brand (name, logo, colour), checked once, and the WCAG 2.2 contrast that decides where its colour goes.

Pure Python. The colour fills the primary button only with a text colour (white or the pages' near-black ink)
that reaches 4.5:1 against it (WCAG 2.2 SC 1.4.3, https://www.w3.org/TR/WCAG22/#contrast-minimum); it also colours
links and outlines (the page's accent) only where it reaches 4.5:1 on both page backgrounds of a colour scheme.
A colour for which neither text colour passes is not used at all: the default palette stays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import InvalidInput

# The product's name, where neither BRAND_NAME nor a single biller names the deployment.
DEFAULT_BRAND_NAME = "billpay"
AA_TEXT = 4.5
WHITE = "#ffffff"
NEAR_BLACK = "#1a1d21"  # the pages' --ink
# The backgrounds text sits on (the pages' --paper and --wash), light scheme and dark scheme.
LIGHT_BACKGROUNDS = ("#ffffff", "#f3f5f8")
DARK_BACKGROUNDS = ("#1c2127", "#12161b")
MAX_LOGO_URL = 500
LOGO_BOX = (160, 40)  # width and height the header gives a logo (object-fit: contain keeps its proportions)

_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
# A same-origin path (served by this deployment, e.g. /static/logos/acme.svg) or an https URL: no data: or
# javascript: URLs, nothing that is not printable ASCII, no quotes or angle brackets.
_SAFE_URL_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&()*+,;=%]+$")
# The host (and port) alone: it goes into the Content-Security-Policy header, so no ";" or "," may come along.
_NETLOC = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$")


@dataclass(frozen=True)
class Palette:
    """Where the brand colour may be used, its contrast already checked."""

    background: str  # the primary button's fill, #rrggbb
    ink: str  # the text on it
    accent_on_light: bool  # links and outlines on the light page may take the colour too
    accent_on_dark: bool  # ... and on the dark-scheme page


@dataclass(frozen=True)
class Brand:
    name: str
    logo_url: str | None = None
    colour: str | None = None  # #rrggbb

    logo_box = LOGO_BOX

    @property
    def palette(self) -> Palette | None:
        return palette_for(self.colour) if self.colour else None

    def message_fields(self) -> dict[str, str]:
        """What a queued message carries of the brand (the biller's name travels as `biller`)."""
        fields = {"logo_url": self.logo_url, "brand_colour": self.colour}
        return {key: value for key, value in fields.items() if value}

    @property
    def logo_origin(self) -> str | None:
        """The https origin the logo loads from (for the Content-Security-Policy), None for a same-origin path."""
        if not self.logo_url or not self.logo_url.startswith("https://"):
            return None
        netloc = urlsplit(self.logo_url).netloc.lower()
        return f"https://{netloc}" if _NETLOC.fullmatch(netloc) else None


def check_colour(raw: str) -> str:
    """#RRGGBB, stored in lower case."""
    if not isinstance(raw, str) or not _COLOUR.fullmatch(raw):
        raise InvalidInput("brand_colour must be a colour as #RRGGBB", field="brand_colour")
    return raw.lower()


def check_logo_url(raw: str) -> str:
    """An https URL with a host and no credentials, or a path on this deployment; at most MAX_LOGO_URL characters."""
    if not isinstance(raw, str) or not raw:
        raise InvalidInput("logo_url must be an https URL", field="logo_url")
    if len(raw) > MAX_LOGO_URL:
        raise InvalidInput(f"logo_url must be at most {MAX_LOGO_URL} characters", field="logo_url")
    if not _SAFE_URL_CHARS.fullmatch(raw):
        raise InvalidInput("logo_url has characters a URL may not hold unescaped", field="logo_url")
    if raw.startswith("/") and not raw.startswith("//"):
        return raw
    parts = urlsplit(raw)
    if parts.scheme != "https" or not parts.hostname:
        raise InvalidInput("logo_url must be an https URL (or a path on this site)", field="logo_url")
    if parts.username or parts.password:
        raise InvalidInput("logo_url must not carry credentials", field="logo_url")
    if not _NETLOC.fullmatch(parts.netloc.lower()):
        raise InvalidInput("logo_url must name a host (and port) only before its path", field="logo_url")
    return raw


def relative_luminance(colour: str) -> float:
    """WCAG 2.2's relative luminance of an sRGB #rrggbb colour."""

    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """(L1 + 0.05) / (L2 + 0.05), the lighter colour on top: 1 to 21."""
    a, b = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def palette_for(colour: str) -> Palette | None:
    """The button's text colour with the better contrast if it reaches 4.5:1; None (default palette) if neither does."""
    if not _COLOUR.fullmatch(colour):
        return None
    colour = colour.lower()
    ink = max((WHITE, NEAR_BLACK), key=lambda text: contrast_ratio(colour, text))
    if contrast_ratio(colour, ink) < AA_TEXT:
        return None
    return Palette(
        background=colour,
        ink=ink,
        accent_on_light=all(contrast_ratio(colour, ground) >= AA_TEXT for ground in LIGHT_BACKGROUNDS),
        accent_on_dark=all(contrast_ratio(colour, ground) >= AA_TEXT for ground in DARK_BACKGROUNDS),
    )
