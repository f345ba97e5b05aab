"""nameko DependencyProvider: a unit of work per use, and the service's outbox relay."""
from nameko import config
from nameko.extensions import DependencyProvider
from sqlalchemy.orm import sessionmaker

from shared.messaging.relay import OutboxRelay
from shared.persistence.engine import make_engine
from shared.persistence.unit_of_work import UnitOfWork


class UnitOfWorkProvider(DependencyProvider):
    """Injects a factory of units of work: `with self.uow() as uow: ...`.

    The transaction commits when the block exits cleanly and rolls back on an
    exception, inside the worker, so a failed commit fails the worker and the
    message is retried instead of being acked. The same provider runs the
    service's outbox relay for as long as the service runs.
    """

    def setup(self):
        self.engine = make_engine(config["DATABASE_URL"])
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.relay = OutboxRelay(self.sessions, config["AMQP_URI"], self.container.service_name,
                                 batch_size=int(config.get("OUTBOX_BATCH_SIZE", 200)),
                                 poll_interval=float(config.get("OUTBOX_POLL_SECONDS", 1.0)))

    def start(self):
        self.container.spawn_managed_thread(self.relay.run, identifier="outbox-relay")

    def stop(self):
        self.relay.stop()

    def kill(self):
        self.relay.stop()

    def get_dependency(self, worker_ctx):
        service_name = self.container.service_name
        return lambda: UnitOfWork(self.sessions, service_name, on_commit=self.relay.wake)
