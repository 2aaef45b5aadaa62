import hashlib
import hmac

from webhooks import signing

SECRET = "whsec_test-secret"
BODY = '{"event_type":"meeting.created","data":{"meeting":{"title":"김윤상"}}}'.encode()


def test_the_signature_is_an_hmac_sha256_of_timestamp_dot_body():
    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()

    assert signing.signature(secret=SECRET, timestamp=1700000000, body=BODY) == f"v1={expected}"


def test_the_headers_carry_id_timestamp_and_signature():
    headers = signing.signed_headers(
        secret=SECRET, event_id="abc", event_type="meeting.created", timestamp=1700000000, body=BODY
    )

    assert headers["Webhook-Id"] == "abc"
    assert headers["Webhook-Timestamp"] == "1700000000"
    assert headers["Webhook-Signature"] == signing.signature(
        secret=SECRET, timestamp=1700000000, body=BODY
    )
    assert headers["Content-Type"] == "application/json"


def test_a_receiver_verifies_a_genuine_request():
    header = signing.signature(secret=SECRET, timestamp=1700000000, body=BODY)

    assert signing.verify(
        secret=SECRET,
        body=BODY,
        timestamp_header="1700000000",
        signature_header=header,
        now=1700000060,
    )


def test_a_receiver_rejects_a_changed_body_timestamp_or_secret():
    header = signing.signature(secret=SECRET, timestamp=1700000000, body=BODY)

    def verify(**changes):
        arguments = {
            "secret": SECRET,
            "body": BODY,
            "timestamp_header": "1700000000",
            "signature_header": header,
            "now": 1700000000,
        }
        return signing.verify(**{**arguments, **changes})

    assert not verify(body=BODY + b" ")
    assert not verify(timestamp_header="1700000001")
    assert not verify(secret="whsec_another")
    assert not verify(timestamp_header="not a number")


def test_a_receiver_rejects_a_replay_outside_the_tolerance():
    header = signing.signature(secret=SECRET, timestamp=1700000000, body=BODY)

    assert not signing.verify(
        secret=SECRET,
        body=BODY,
        timestamp_header="1700000000",
        signature_header=header,
        now=1700000000 + signing.DEFAULT_TOLERANCE_SECONDS + 1,
    )
