"""The operational database: one SQLAlchemy ``Base``, one Alembic history, and the engine set-up.

Each capability keeps its tables in a module here (``fleet``: stations, cameras, shifts, device
events; ``accounts``: the console's users and access log; ``policies``: the department's own
policies), so the services above import the tables they use and nothing imports upwards.
"""
