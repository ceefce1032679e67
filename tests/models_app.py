"""A SQLAlchemy models module, the expected schema of tests/test_models.py (``--expected-models
tests.models_app:Base``): a dozen common column types, server defaults, identity and autoincrement
keys, a partial, an expression and a unique multi-column index, a composite unique constraint, a
check constraint, a foreign key with ON DELETE / ON UPDATE, an enum and comments. Python-side
``default=`` / ``onupdate=`` are not part of the schema."""
from __future__ import annotations

import datetime
import decimal
import enum
import uuid
from typing import Any

from sqlalchemy import (
    JSON, BigInteger, Boolean, CheckConstraint, Date, DateTime, Enum, Float, ForeignKey, Identity, Index, Integer,
    LargeBinary, MetaData, Numeric, String, Text, UniqueConstraint, Uuid, func, text)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """The declarative base whose ``metadata`` holds the tables."""


class Status(enum.Enum):
    """An account's state: a Postgres enum type, a VARCHAR on SQLite."""

    active = "active"
    suspended = "suspended"
    closed = "closed"


class Account(Base):
    """Every common column type, with server defaults."""

    __tablename__ = "accounts"
    __table_args__ = (
        UniqueConstraint("tenant", "email", name="uq_accounts_tenant_email"),
        Index("ix_accounts_active_email", "email", postgresql_where=text("active"), sqlite_where=text("active")),
        CheckConstraint("visits >= 0", name="ck_accounts_visits"),
        {"comment": "one row per customer account"},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(255))
    tenant: Mapped[str] = mapped_column(String(40), server_default="main")
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    visits: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    balance: Mapped[decimal.Decimal] = mapped_column(Numeric(12, 2), server_default=text("0"))
    score: Mapped[float | None] = mapped_column(Float)
    born: Mapped[datetime.date | None] = mapped_column(Date)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    profile: Mapped[dict[str, Any] | None] = mapped_column(JSON().with_variant(JSONB(), "postgresql"))
    external_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    avatar: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[Status] = mapped_column(Enum(Status, name="account_status"), server_default="active")
    bio: Mapped[str | None] = mapped_column(Text, comment="free text the customer wrote")


class Order(Base):
    """An identity key, a foreign key with actions, an expression index and Python-side defaults."""

    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", name="fk_orders_account", ondelete="CASCADE", onupdate="CASCADE"), index=True)
    total: Mapped[decimal.Decimal] = mapped_column(Numeric(10, 2))
    note: Mapped[str | None] = mapped_column(String(200), default="added by Python, not by the database")
    updated_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), onupdate=func.now())


Index("ix_orders_lower_note", func.lower(Order.note))
Index("ux_orders_account_note", Order.account_id, Order.note, unique=True)

metadata: MetaData = Base.metadata
some_int = 42


def make_metadata() -> MetaData:
    """The models' MetaData, returned by a callable (``tests.models_app:make_metadata``)."""
    return Base.metadata


def wrong_callable() -> int:
    """Not a MetaData: a callable returning an int (a bad ``--expected-models`` for the tests)."""
    return some_int
