"""A row per key that concurrent transactions create on first use and then change under its lock."""
from sqlalchemy.dialects import postgresql, sqlite

_DIALECTS = {"postgresql": postgresql, "sqlite": sqlite}


class LockedRow:
    """`LockedRow(Model, defaults).get(session, key)`: the model's row for `key`, created if absent, locked.

    Insert-if-absent first (ON CONFLICT DO NOTHING), so two transactions meeting a key for the first
    time do not both insert (one would fail and wait for a retry); SELECT ... FOR UPDATE then keeps
    them from losing each other's change until the first commits. Another database: plain get-or-add.
    """

    def __init__(self, model, defaults):
        self.model, self.defaults = model, dict(defaults)
        (self.key,) = model.__table__.primary_key.columns.keys()
        # Built once per dialect: a statement with bound values is compiled once and then cached.
        self._inserts = {name: dialect.insert(model.__table__).on_conflict_do_nothing()
                         for name, dialect in _DIALECTS.items()}

    def get(self, session, key, **first_values):
        values = dict(self.defaults, **first_values, **{self.key: key})
        insert = self._inserts.get(session.get_bind().dialect.name)
        if insert is not None:
            session.execute(insert, values)
        row = session.get(self.model, key, with_for_update=True)
        if row is None:
            row = self.model(**values)
            session.add(row)
            session.flush()
        return row
