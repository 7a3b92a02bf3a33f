"""Repositories for account linking and web sign-in: OAuth clients, codes, token families, challenges, rate windows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.orm import Session

from . import models as m
from .dialect import insert_for


class OAuthClientRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: m.OAuthClient) -> None:
        self.session.add(row)

    def by_client_id(self, client_id: str) -> m.OAuthClient | None:
        return self.session.scalar(select(m.OAuthClient).where(m.OAuthClient.client_id == client_id))


class AuthorizationCodeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: m.OAuthAuthorizationCode) -> None:
        self.session.add(row)

    def by_hash(self, code_hash: str) -> m.OAuthAuthorizationCode | None:
        return self.session.scalar(
            select(m.OAuthAuthorizationCode).where(m.OAuthAuthorizationCode.code_hash == code_hash)
        )

    def consume(self, code_id: int, now: datetime) -> bool:
        """Mark the code used unless it already was: one conditional UPDATE, so two exchanges cannot both win."""
        code = m.OAuthAuthorizationCode
        result = self.session.execute(
            update(code).where(code.id == code_id, code.used_at.is_(None)).values(used_at=now)
        )
        return bool(getattr(result, "rowcount", 0) == 1)


class LinkedTokenRepository:
    """Account-linking tokens: lookup by hash, and by link ("family"): rotation, replay detection, listing, unlinking."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: m.LinkedAccountToken) -> None:
        self.session.add(row)

    def by_hash(self, token_hash: str) -> m.LinkedAccountToken | None:
        t = m.LinkedAccountToken
        return self.session.scalar(select(t).where(t.token_hash == token_hash))

    def add_all(self, rows: list[dict[str, object]]) -> None:
        """Insert several tokens in one executemany (the token endpoint keeps to a few round trips)."""
        self.session.execute(insert(m.LinkedAccountToken), rows)

    def retire(self, token_id: int, now: datetime) -> bool:
        """Revoke one token unless it already was revoked (a rotated refresh token); True if this call did it."""
        t = m.LinkedAccountToken
        result = self.session.execute(
            update(t).where(t.id == token_id, t.revoked_at.is_(None)).values(revoked_at=now)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    def revoke_family(self, family_id: str, now: datetime, *, customer_id: int | None = None) -> int:
        t = m.LinkedAccountToken
        condition = [t.family_id == family_id, t.revoked_at.is_(None)]
        if customer_id is not None:
            condition.append(t.customer_id == customer_id)
        result = self.session.execute(update(t).where(*condition).values(revoked_at=now))
        return int(getattr(result, "rowcount", 0))

    def revoke_one(self, token_id: int, customer_id: int, now: datetime) -> int:
        t = m.LinkedAccountToken
        result = self.session.execute(
            update(t)
            .where(t.id == token_id, t.customer_id == customer_id, t.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return int(getattr(result, "rowcount", 0))

    def live_for_customer(self, customer_id: int, now: datetime) -> Sequence[m.LinkedAccountToken]:
        """Unrevoked tokens that are still valid, or whose family still holds a valid refresh token."""
        t = m.LinkedAccountToken
        return self.session.scalars(
            select(t)
            .where(t.customer_id == customer_id, t.revoked_at.is_(None), t.expires_at > now)
            .order_by(t.created_at, t.id)
        ).all()

    def family(self, family_id: str) -> Sequence[m.LinkedAccountToken]:
        t = m.LinkedAccountToken
        return self.session.scalars(select(t).where(t.family_id == family_id).order_by(t.id)).all()

    def last_used_in_families(self, customer_id: int, family_ids: Sequence[str]) -> dict[str, datetime]:
        """The latest use of any token (revoked or not) of each family: rotation keeps "last used" meaningful."""
        t = m.LinkedAccountToken
        rows = self.session.execute(
            select(t.family_id, t.last_used_at, t.created_at, t.kind).where(
                t.customer_id == customer_id, t.family_id.in_(list(family_ids))
            )
        ).all()
        latest: dict[str, datetime] = {}
        for family_id, last_used_at, created_at, kind in rows:
            # A refresh token is "used" when Alexa rotates it: the newer one's creation marks that moment.
            used = last_used_at or (created_at if kind == "refresh" else None)
            if (
                family_id is not None
                and used is not None
                and (family_id not in latest or used > latest[family_id])
            ):
                latest[family_id] = used
        return latest


class LoginChallengeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: m.LoginChallenge) -> None:
        self.session.add(row)

    def by_token_hash_for_update(self, token_hash: str) -> m.LoginChallenge | None:
        return self.session.scalar(
            select(m.LoginChallenge)
            .where(m.LoginChallenge.token_hash == token_hash)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    def forget_expired(self, before: datetime) -> None:
        self.session.execute(
            delete(m.LoginChallenge).where(
                or_(m.LoginChallenge.expires_at < before, m.LoginChallenge.used_at < before)
            )
        )


class LoginRateRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def hit(self, subject_hash: str, window_start: datetime) -> int:
        """Count one attempt atomically (INSERT ... ON CONFLICT DO UPDATE) and return the window's count."""
        table = m.LoginRateWindow.__table__
        statement = (
            insert_for(self.session)(table)
            .values(subject_hash=subject_hash, window_start=window_start, count=1)
            .on_conflict_do_update(
                index_elements=[table.c.subject_hash, table.c.window_start],
                set_={"count": table.c.count + 1},
            )
            .returning(table.c.count)
        )
        count: int = self.session.execute(statement).scalar_one()
        return count

    def count(self, subject_hash: str, window_start: datetime) -> int:
        row = self.session.get(m.LoginRateWindow, (subject_hash, window_start))
        return row.count if row is not None else 0

    def forget_before(self, window_start: datetime) -> None:
        self.session.execute(delete(m.LoginRateWindow).where(m.LoginRateWindow.window_start < window_start))
