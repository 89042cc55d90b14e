"""Alembic environment: the schema is every Resonance table; the URL comes from Resonance's settings.

`reflex db makemigrations` / `reflex db migrate` drive this, and so does plain `alembic` from the project root.
"""

from logging.config import fileConfig

from sqlalchemy import engine_from_config, pool
from sqlmodel import SQLModel

import resonance.models  # noqa: F401  (registers every table on SQLModel.metadata)
from alembic import context
from resonance.core.config import get_settings

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

# Migrations run as the tables' owner when it differs from the role the app connects as (row-level security).
_settings = get_settings()
config.set_main_option("sqlalchemy.url",
                       (_settings.MIGRATION_DATABASE_URL or _settings.DATABASE_URL).replace("%", "%%"))
target_metadata = SQLModel.metadata


def _configure(**kwargs) -> None:
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=url.startswith("sqlite"),  # SQLite alters tables by copying them
        **kwargs,
    )


def run_migrations_offline() -> None:
    _configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.",
                                     poolclass=pool.NullPool)
    with connectable.connect() as connection:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
