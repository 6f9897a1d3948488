"""A WebSocket client for the tests (websocket-client): runs a plan given as JSON on standard input, prints the transcript.

Plan: {"url": ..., "headers": [...], "steps": [{"send": text} | {"sendBinary": hex} | {"recv": timeout_s} |
{"close": code} | {"expectClose": timeout_s}]}.
Output: {"status": 101 | refused status, "body": refused body, "frames": [received texts], "close": [code, reason]}.
"""
import json
import sys

import websocket

plan = json.load(sys.stdin)
result = {"frames": []}
try:
    ws = websocket.create_connection(plan["url"], header=plan.get("headers", []), timeout=10)
except websocket.WebSocketBadStatusException as error:
    result["status"] = error.status_code
    result["body"] = (error.resp_body or b"").decode()
    print(json.dumps(result))
    sys.exit(0)
result["status"] = ws.getstatus()
result["subprotocol"] = ws.getsubprotocol()
for step in plan.get("steps", []):
    if "send" in step:
        ws.send(step["send"])
    elif "sendBinary" in step:
        ws.send_binary(bytes.fromhex(step["sendBinary"]))
    elif "sendFrames" in step:
        # One text message split into frames of `size` bytes.
        text = step["sendFrames"]["text"].encode()
        size = step["sendFrames"]["size"]
        chunks = [text[i:i + size] for i in range(0, len(text), size)]
        for index, chunk in enumerate(chunks):
            opcode = websocket.ABNF.OPCODE_TEXT if index == 0 else websocket.ABNF.OPCODE_CONT
            ws.send_frame(websocket.ABNF.create_frame(chunk, opcode, fin=1 if index == len(chunks) - 1 else 0))
    elif "recv" in step:
        ws.settimeout(step["recv"])
        try:
            opcode, data = ws.recv_data(control_frame=False)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                result["close"] = [int.from_bytes(data[:2], "big") if len(data) >= 2 else None, data[2:].decode()]
                break
            result["frames"].append(data.decode(errors="replace"))
        except websocket.WebSocketTimeoutException:
            result["frames"].append(None)
        except websocket.WebSocketConnectionClosedException:
            result["close"] = result.get("close") or [None, "closed"]
            break
    elif "close" in step:
        ws.close(status=step["close"])
        result["close"] = [step["close"], "client"]
        break
    elif "expectClose" in step:
        ws.settimeout(step["expectClose"])
        try:
            frame = ws.recv_frame()
            data = frame.data
            result["close"] = [int.from_bytes(data[:2], "big") if len(data) >= 2 else None, data[2:].decode(errors="replace")] \
                if frame.opcode == websocket.ABNF.OPCODE_CLOSE else ["not a close frame", data.decode(errors="replace")]
        except websocket.WebSocketTimeoutException:
            result["close"] = ["timeout", ""]
        except websocket.WebSocketConnectionClosedException:
            result["close"] = [None, "connection closed without a close frame"]
        break
print(json.dumps(result))
