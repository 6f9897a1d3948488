"""Lambda proxy handler used by `make bench`: the smallest useful answer, so the figure is the
emulator's and the worker's cost, not the handler's."""
import json


def handler(event, context):
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"ok": True, "path": event.get("path")}),
    }
