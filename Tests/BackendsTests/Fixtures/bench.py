"""The cheapest possible proxy handler: measures the worker's own overhead."""


def handler(event, context):
    return {"statusCode": 200, "body": "ok"}
