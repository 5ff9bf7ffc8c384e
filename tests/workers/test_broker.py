"""workers.broker: a message Redis already handed to the worker (a BRPOP answer) is read at once.

Real Redis and kombu's own Redis transport: a consumer with prefetch 2 takes one message and leaves
it unacknowledged, sends its next BRPOP, then its prefetch drops to 1 (what Celery does when a
message with a countdown goes to the pool) and another message is published — the BRPOP's answer.
kombu 5.5 leaves that answer in the socket (which stays readable: the worker's loop spins); with
``read_popped_messages`` it is delivered, and recorded as unacknowledged like any prefetched message.
"""
from __future__ import annotations

import os
import select
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from kombu import Connection, Exchange, Queue
from kombu.transport import redis as redis_transport

from tests.conftest import REDIS_URL
from workers import broker

ROOT = Path(__file__).resolve().parents[2]


def _readable(fd: int, timeout: float) -> bool:
    return bool(select.select([fd], [], [], timeout)[0])


@pytest.fixture
def consumer_with_answer_waiting():
    """(the poller, the BRPOP socket's fd, the bodies delivered so far, the channel) once a BRPOP
    answer waits in the socket while the prefetch is full."""
    name = f"sikk-test-broker-{uuid.uuid4().hex[:8]}"
    queue = Queue(name, Exchange(name, type="direct"), routing_key=name)
    with Connection(REDIS_URL) as conn:
        channel = conn.default_channel
        delivered: list[dict] = []
        messages = []
        consumer = conn.Consumer(queue, callbacks=[lambda body, message: (delivered.append(body),
                                                                          messages.append(message))],
                                 accept=["json"])
        consumer.consume()
        channel.basic_qos(0, 2, False)
        producer = conn.Producer(channel)
        cycle = conn.transport.cycle
        producer.publish({"n": 0}, exchange=queue.exchange, routing_key=name, declare=[queue])
        cycle.on_poll_start()  # may consume: BRPOP sent
        fd = next(fd for fd, (_chan, kind) in cycle._fd_to_chan.items() if kind == "BRPOP")
        assert _readable(fd, 5)
        cycle.on_readable(fd)
        assert delivered == [{"n": 0}]  # unacknowledged: 1 of 2
        cycle.on_poll_start()  # still may consume: the next BRPOP is sent
        channel.basic_qos(0, 1, False)  # the prefetch drops: 1 of 1, full
        assert not channel.qos.can_consume()
        producer.publish({"n": 1}, exchange=queue.exchange, routing_key=name)
        assert _readable(fd, 5)  # the answer: message 1, popped from the queue already
        try:
            yield cycle, fd, delivered, channel
        finally:
            for message in messages:
                message.ack()
            redis.Redis.from_url(REDIS_URL).delete(name)


@pytest.fixture
def patched():
    """``read_popped_messages`` applied for one test, kombu's own method back afterwards."""
    poller = redis_transport.MultiChannelPoller
    before, marked = poller.on_readable, getattr(poller, broker._PATCHED, False)
    assert broker.read_popped_messages()
    yield
    poller.on_readable = before
    setattr(poller, broker._PATCHED, marked)


def test_kombu_alone_leaves_the_answer_in_the_socket_and_the_poll_spins(consumer_with_answer_waiting):
    cycle, fd, delivered, channel = consumer_with_answer_waiting
    for _ in range(3):  # every round of the worker's loop: readable, not read
        broker.KOMBU_ON_READABLE(cycle, fd)
        assert _readable(fd, 0)
    assert delivered == [{"n": 0}]
    queue = next(iter(channel.active_queues))
    assert redis.Redis.from_url(REDIS_URL).llen(queue) == 0  # popped: no other worker can have it


def test_the_answer_is_read_and_held_as_unacknowledged(consumer_with_answer_waiting, patched):
    cycle, fd, delivered, channel = consumer_with_answer_waiting
    assert redis_transport.MultiChannelPoller.on_readable is broker._on_readable
    cycle.on_readable(fd)
    assert delivered == [{"n": 0}, {"n": 1}]
    assert not _readable(fd, 0.2)  # nothing left: the loop waits again
    assert len(channel.qos._delivered) == 2  # in the unacked hash, given back if the worker dies
    assert not channel.qos.can_consume()  # and no new BRPOP while the prefetch is full
    cycle.on_poll_start()
    assert not channel._in_poll


def test_without_a_brpop_in_flight_the_prefetch_still_decides(consumer_with_answer_waiting, patched):
    cycle, fd, delivered, channel = consumer_with_answer_waiting
    cycle.on_readable(fd)
    assert not channel._in_poll
    calls = []
    channel.handlers = {**channel.handlers, "BRPOP": lambda: calls.append(1)}
    cycle.on_readable(fd)  # nothing sent: with the prefetch full the handler is not called
    assert calls == []


def test_the_worker_entrypoint_applies_it(tmp_path):
    check = ("import workers.worker\n"
             "from kombu.transport.redis import MultiChannelPoller\n"
             "from workers.broker import _on_readable\n"
             "assert MultiChannelPoller.on_readable is _on_readable\n")
    env = {**os.environ, "SIKK_INSTANCE_DIR": str(tmp_path), "REDIS_URL": REDIS_URL, "SECRET_KEY": "test"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-c", check], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]


def test_another_kombu_is_refused_not_patched(monkeypatch):
    """kombu 5.7 fixes this upstream with an ``on_readable`` of its own: the patch must not replace it."""
    poller = redis_transport.MultiChannelPoller
    before = poller.on_readable
    monkeypatch.setattr(poller, broker._PATCHED, False, raising=False)
    monkeypatch.setattr(broker.kombu, "VERSION", broker.kombu.VERSION._replace(minor=7))
    with pytest.raises(RuntimeError, match="review workers/broker.py"):
        broker.read_popped_messages()
    assert poller.on_readable is before
