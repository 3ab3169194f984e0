"""Email goes through the outbox and the broker: nothing is lost while the broker is down, nothing is doubled.

The broker is frozen (SIGSTOP) rather than killed: the local tansu keeps its log only in memory, while a real
Kafka keeps it across restarts; freezing gives a real outage (no answers at all) with a real broker's memory.
"""

from __future__ import annotations

import invoiced

from devtools.mailbox import SmtpSink
from devtools.stack import Stack
from tests.conftest import Business


def test_emails_sent_while_the_broker_is_down_arrive_once_it_returns(
    client: invoiced.Client, business: Business, stack: Stack, smtp_sink: SmtpSink
) -> None:
    address = f"{business.username}@example.com"
    customer = client.Customer.create(name="Outage Inc", email=address)
    invoices = [
        client.Invoice.create(customer=customer.id, items=[{"name": f"n{i}", "unit_cost": 10 + i}]) for i in range(3)
    ]

    def mine() -> list[str]:
        return [m.subject for m in smtp_sink.messages() if address in m.to]

    assert stack.kafka is not None
    stack.kafka.pause()
    try:
        for invoice in invoices:
            emails = invoice.send()
            assert [e.state for e in emails] == ["queued"]
    finally:
        stack.kafka.resume()

    expected = sorted(f"Invoice {i.number} from {business.display_name}" for i in invoices)
    smtp_sink.wait_for(lambda m: address in m.to, timeout=60, count=len(invoices))
    # A marker sent after the outage through the same path (outbox, topic, mailer): once it is here, a second copy
    # of any earlier email would be here too.
    marker = client.Invoice.create(customer=customer.id, items=[{"name": "marker", "unit_cost": 1}])
    marker.send()
    marker_subject = f"Invoice {marker.number} from {business.display_name}"
    twice = smtp_sink.unwanted_by_marker(
        marker=lambda m: m.subject == marker_subject, unwanted=lambda m: address in m.to, timeout=60
    )
    assert sorted(m.subject for m in twice) == expected, "an email was lost or arrived twice"
