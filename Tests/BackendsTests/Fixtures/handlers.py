"""Python handlers for the Backends tests."""
import os
import sys
import time


def ok(event, context):
    return {"ok": True, "event": event, "pid": os.getpid()}


def context_fields(event, context):
    return {
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining": context.get_remaining_time_in_millis(),
        "cwd": os.getcwd(),
        "env": os.environ.get("GREETING"),
    }


class OrderNotFound(Exception):
    pass


def fail(event, context):
    raise OrderNotFound("order 42 does not exist")


def slow(event, context):
    print("sleeping", event.get("seconds", 5))
    time.sleep(event.get("seconds", 5))
    return {"slept": True}


def crash(event, context):
    os._exit(1)


def chatty(event, context):
    print("hello from print", event.get("n"))
    sys.stdout.write("written to stdout\n")
    sys.stderr.write("written to stderr\n")
    return {"quiet": True}


def returns_none(event, context):
    return None


def unicode(event, context):
    return {"text": "héllo ✓", "n": 1.5}


def unserialisable(event, context):
    return {1, 2}


def rendezvous(event, context):
    """Waits (up to 10 s) until `parties` invocations have arrived in `dir`: only overlapping invocations meet."""
    directory, parties = event["dir"], event["parties"]
    open(os.path.join(directory, str(os.getpid())), "w").close()
    deadline = time.monotonic() + 10
    while len(os.listdir(directory)) < parties and time.monotonic() < deadline:
        time.sleep(0.01)
    return {"pid": os.getpid(), "met": len(os.listdir(directory)) >= parties}
