"""Python handlers for the emulator reliability tests (Lambda proxy events in, proxy responses out)."""
import json
import os
import time


def _query(event):
    return event.get("queryStringParameters") or {}


def echo(event, context):
    """Answers with the request's path and query `n`, so a load test can check every body."""
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"path": event.get("path"), "n": _query(event).get("n"), "pid": os.getpid()}),
    }


def slow(event, context):
    """Sleeps `seconds` (default 3) before answering: longer than the integration's timeoutInMillis."""
    time.sleep(float(_query(event).get("seconds", "3")))
    return {"statusCode": 200, "body": "too late"}


def flaky(event, context):
    """`mode=crash` kills the worker process, `mode=hang` sleeps past the Lambda timeout, anything else answers."""
    mode = _query(event).get("mode")
    if mode == "crash":
        os._exit(1)
    if mode == "hang":
        time.sleep(60)
    return {"statusCode": 200, "body": json.dumps({"pid": os.getpid()})}
