"""Alembic environment shared by the host branch and every module branch.

The host runs alembic programmatically on a connection it already holds
(``config.attributes["connection"]``), one branch at a time, with that branch's own version table.
"""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=None,
    render_as_batch=True,
    version_table=context.config.attributes["version_table"],
)
with context.begin_transaction():
    context.run_migrations()
