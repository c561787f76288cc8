"""perf: performance profiles, results, schedules (with exclusive due-time claims), SMP test configs

Revision ID: 0012_perf
Revises: 0011_filters
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_perf"
down_revision: str | None = "0011_filters"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "perf_profiles",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("schedule_id", sa.String(length=36), nullable=True),
        sa.Column("load_generators", sa.JSON(), nullable=False),
        sa.Column("endpoints", sa.JSON(), nullable=False),
        sa.Column("service_mesh", sa.String(length=100), nullable=False),
        sa.Column("concurrent_request", sa.Integer(), nullable=False),
        sa.Column("qps", sa.Integer(), nullable=False),
        sa.Column("duration", sa.String(length=32), nullable=False),
        sa.Column("request_headers", sa.Text(), nullable=False),
        sa.Column("request_cookies", sa.Text(), nullable=False),
        sa.Column("request_body", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("last_run", _TZ, nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_perf_profiles")),
    )
    op.create_index("ix_perf_profiles_user_id_updated_at", "perf_profiles", ["user_id", "updated_at"])
    op.create_index("ix_perf_profiles_schedule_id", "perf_profiles", ["schedule_id"])
    op.create_table(
        "perf_results",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("profile_id", sa.String(length=36), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("mesh", sa.String(length=255), nullable=False),
        sa.Column("test_id", sa.String(length=64), nullable=False),
        sa.Column("runner_results", sa.JSON(), nullable=False),
        sa.Column("server_metrics", sa.JSON(), nullable=True),
        sa.Column("server_board_config", sa.JSON(), nullable=True),
        sa.Column("test_start_time", _TZ, nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_perf_results")),
    )
    op.create_index("ix_perf_results_user_id_test_start_time", "perf_results", ["user_id", "test_start_time"])
    op.create_index("ix_perf_results_profile_id", "perf_results", ["profile_id"])
    op.create_table(
        "perf_schedules",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("cron_expression", sa.String(length=128), nullable=False),
        sa.Column("last_run", _TZ, nullable=True),
        sa.Column("missed_runs", sa.Integer(), nullable=False),
        sa.Column("last_missed", _TZ, nullable=True),
        sa.Column("checked_until", _TZ, nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_perf_schedules")),
    )
    op.create_index("ix_perf_schedules_user_id_updated_at", "perf_schedules", ["user_id", "updated_at"])
    op.create_table(
        "perf_schedule_claims",
        sa.Column("schedule_id", sa.String(length=36), nullable=False),
        sa.Column("due_at", _TZ, nullable=False),
        sa.Column("replica", sa.String(length=64), nullable=False),
        sa.Column("missed", sa.Integer(), nullable=False),
        sa.Column("claimed_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("schedule_id", "due_at", name=op.f("pk_perf_schedule_claims")),
    )
    op.create_table(
        "perf_test_configs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_perf_test_configs")),
    )
    op.create_index("ix_perf_test_configs_user_id_updated_at", "perf_test_configs", ["user_id", "updated_at"])


def downgrade() -> None:
    for table in ("perf_test_configs", "perf_schedule_claims", "perf_schedules", "perf_results", "perf_profiles"):
        op.drop_table(table)
