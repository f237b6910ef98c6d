"""The registry's database schema (SQLAlchemy Core), with its version.

* ``envelope_models``: one row per saved model; what :class:`Envelope` holds is its ``details``
  (JSON text); ``artifact`` is the SHA-256 of the pickled model in the artifact store.
* ``envelope_tags``: the current value of every tag (one row per model and key), indexed by
  ``(key, value, model_id)`` so a tag query reads only the rows it selects.
* ``envelope_tag_events``: every tag ever set, with when: the history that answers "which model
  did this query select on date D". A removal (``remove_tags``) is an event whose value is
  ``registry.REMOVED`` (a control character no tag value may be).
* ``envelope_metrics``: metrics, scalar (``value``) or structured (``structured``, JSON text).
* ``envelope_rules``: deployment rules (``envelope.deploy``): which models a service serves where.
  Added after version 1 without a version bump: ``create_all`` adds it to older registries, and
  an older dataflow ignores it.
* ``envelope_schema``: the schema version; a registry written by a newer dataflow is refused.

Times are stored as naive UTC (SQLite has no time zones) and returned as aware UTC.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

SCHEMA_VERSION = 1

metadata = MetaData()

models = Table(
    "envelope_models", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("description", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("artifact", String(64), nullable=False),
    Column("user", String(200), nullable=False),
    Column("host", String(200), nullable=False),
    Column("details", Text, nullable=False),
)

tags = Table(
    "envelope_tags", metadata,
    Column("model_id", Integer, ForeignKey("envelope_models.id"), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("value", String(1000), nullable=False),
    Column("set_at", DateTime, nullable=False),
    Index("envelope_tags_by_value", "key", "value", "model_id"),
)

tag_events = Table(
    "envelope_tag_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("model_id", Integer, ForeignKey("envelope_models.id"), nullable=False),
    Column("key", String(200), nullable=False),
    Column("value", String(1000), nullable=False),
    Column("set_at", DateTime, nullable=False),
    Index("envelope_tag_events_by_model", "model_id", "key", "set_at"),
    Index("envelope_tag_events_by_value", "key", "value", "model_id"),
)

metrics = Table(
    "envelope_metrics", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("model_id", Integer, ForeignKey("envelope_models.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("value", Float, nullable=True),
    Column("structured", Text, nullable=True),
    Column("logged_at", DateTime, nullable=False),
    Index("envelope_metrics_by_model", "model_id", "name"),
    Index("envelope_metrics_by_name", "name", "model_id"),
)

schema_version = Table(
    "envelope_schema", metadata,
    Column("version", Integer, primary_key=True),
)

rules = Table(
    "envelope_rules", metadata,
    Column("name", String(200), primary_key=True),
    Column("query", Text, nullable=False),
    Column("require", Text, nullable=False),
    Column("path", String(500), nullable=False),
    Column("updated_at", DateTime, nullable=False),
)
