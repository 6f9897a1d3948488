"""Lambda handlers of the WebSocket tests: real code, run in the emulator's python3 workers."""
import json
import os

import boto3
from botocore.exceptions import ClientError


def _record(name, event):
    directory = os.environ["EVENTS_DIR"]
    path = os.path.join(directory, name + "-" + event["requestContext"]["connectionId"] + ".json")
    with open(path + ".tmp", "w") as handle:
        json.dump(event, handle)
    os.replace(path + ".tmp", path)


def authorize(event, context):
    token = (event.get("queryStringParameters") or {}).get("token")
    effect = "Allow" if token == "letmein" else "Deny"
    return {
        "principalId": "user-1",
        "policyDocument": {"Version": "2012-10-17",
                           "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]},
        "context": {"team": "blue"},
    }


def connect(event, context):
    _record("connect", event)
    query = event.get("queryStringParameters") or {}
    if query.get("refuse"):
        return {"statusCode": int(query["refuse"]), "body": "refused by $connect"}
    return {"statusCode": 200}


def disconnect(event, context):
    _record("disconnect", event)
    return {"statusCode": 200}


def echo(event, context):
    _record("echo", event)
    message = json.loads(event["body"])
    return {"statusCode": 200, "body": json.dumps({"echo": message.get("text"), "route": event["requestContext"]["routeKey"]})}


def broadcast(event, context):
    """Pushes a message back to the caller through @connections, then tries a connection that is gone."""
    stage = event["requestContext"]["stage"]
    with open(os.path.join(os.environ["EVENTS_DIR"], "management-url")) as handle:
        endpoint = handle.read().strip()
    client = boto3.client("apigatewaymanagementapi", endpoint_url=endpoint + "/" + stage,
                          region_name="us-east-1")
    me = event["requestContext"]["connectionId"]
    info = client.get_connection(ConnectionId=me)
    outcome = {"sourceIp": info["Identity"]["SourceIp"]}
    try:
        client.post_to_connection(ConnectionId=json.loads(event["body"])["gone"], Data=b"lost")
        outcome["gone"] = "delivered"
    except ClientError as error:
        outcome["gone"] = error.response["Error"]["Code"] + " " + str(error.response["ResponseMetadata"]["HTTPStatusCode"])
    client.post_to_connection(ConnectionId=me, Data=json.dumps({"pushed": outcome}).encode())
    return {"statusCode": 200}
