"""SQLite files hold residents' contact details: only the service's own user may read them (0600)."""
import os
import stat

from sqlalchemy import text

from shared.persistence.engine import make_engine


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_database_and_its_wal_are_readable_by_their_owner_only(tmp_path):
    previous = os.umask(0o022)   # the usual umask: files come out world-readable unless we say otherwise
    try:
        engine = make_engine(f"sqlite:///{tmp_path}/db/intake.sqlite")
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE contacts (email TEXT)"))
            connection.execute(text("INSERT INTO contacts VALUES ('ana@example.org')"))
        files = sorted(p.name for p in (tmp_path / "db").iterdir())
        assert "intake.sqlite" in files and "intake.sqlite-wal" in files
        assert {name: _mode(tmp_path / "db" / name) for name in files} == {name: 0o600 for name in files}
        engine.dispose()
    finally:
        os.umask(previous)


def test_an_existing_world_readable_database_is_closed_to_others_when_opened(tmp_path):
    path = tmp_path / "notifications.sqlite"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    assert _mode(path) == 0o600
    engine.dispose()
