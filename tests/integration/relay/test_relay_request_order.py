"""The relay keeps each request's events in order: a later one waits until the broker took the earlier one."""


def _relay_everything_due(relay):
    while relay.relay_batch():
        pass


def test_a_later_event_of_a_request_waits_until_its_earlier_event_is_published(intake_outbox, amqp_uri,
                                                                              bound_queue):
    queue = bound_queue("RequestStatusChanged")   # RequestCreated is unroutable until bound below
    intake_outbox.record("RequestCreated", "26-0000001")
    intake_outbox.record("RequestStatusChanged", "26-0000001")
    intake_outbox.record("RequestStatusChanged", "26-0000002")
    relay = intake_outbox.relay(amqp_uri, max_retry_pause=0.0)

    relay.relay_batch()
    assert queue.drain() == [("RequestStatusChanged", "26-0000002")], "the other request's event went on"

    queue.bind("RequestCreated")
    _relay_everything_due(relay)
    assert queue.drain() == [("RequestStatusChanged", "26-0000002"),
                             ("RequestCreated", "26-0000001"), ("RequestStatusChanged", "26-0000001")]


def test_a_request_with_several_events_in_one_transaction_gets_them_all_out_in_order(intake_outbox, amqp_uri,
                                                                                    bound_queue):
    queue = bound_queue("RequestCreated", "RequestStatusChanged")
    for request in ("26-0000001", "26-0000002"):
        intake_outbox.record("RequestCreated", request)
        intake_outbox.record("RequestStatusChanged", request)
        intake_outbox.record("RequestStatusChanged", request)

    _relay_everything_due(intake_outbox.relay(amqp_uri))

    received = queue.drain()
    for request in ("26-0000001", "26-0000002"):
        assert [kind for kind, of in received if of == request] == [
            "RequestCreated", "RequestStatusChanged", "RequestStatusChanged"]


def test_a_failed_event_is_not_retried_before_its_pause_is_over(intake_outbox, amqp_uri, bound_queue):
    bound_queue("RequestStatusChanged")
    row_id = intake_outbox.record("RequestCreated", "26-0000001")
    relay = intake_outbox.relay(amqp_uri)

    relay.relay_batch()
    assert relay.relay_batch() == 0, "nothing else is due"

    row = intake_outbox.row(row_id)
    assert row.attempts == 1 and "no queue is bound for intake.events/RequestCreated" in row.last_error
    assert row.next_attempt_at > row.created_at
