/// The Python runtime bootstrap, written to a temporary directory as `bootstrap.py` and started once per worker:
/// `python3 -u bootstrap.py <task-root> <handler-file> <handler-name>`.
///
/// It behaves like Lambda's Python runtime interface client (awslambdaric, python3.12 runtime):
/// the module is loaded from its path with `importlib`, `handler(event, context)` is called, the result is
/// serialised with `json.dumps(result, ensure_ascii=False)` and exceptions become
/// `{"errorMessage", "errorType", "requestId", "stackTrace"}` with the bootstrap's own frames removed.
///
/// Protocol (big-endian 32-bit length prefixes) over the worker's original stdin/stdout, which the bootstrap
/// duplicates first; fd 1 is then pointed at fd 2 so `print()` lands in the emulator log, and fd 0 at /dev/null.
/// - worker -> emulator, once after start: `R` (ready) or `F` + init error payload.
/// - emulator -> worker: `requestId \t deadline-epoch-ms \t invoked-function-arn \n event-bytes`.
/// - worker -> emulator: `S` + result JSON, `E` + error payload, or `I` + message (event is not JSON).
enum PythonBootstrap {
    static let fileName = "bootstrap.py"

    static let source = #"""
# gatecheck Python worker bootstrap (generated; do not edit). Mirrors awslambdaric's behaviour.
import os
import sys

_PROTO_IN = os.dup(0)
_PROTO_OUT = os.dup(1)
_devnull = os.open(os.devnull, os.O_RDONLY)
os.dup2(_devnull, 0)
os.close(_devnull)
os.dup2(2, 1)  # print() and anything written to fd 1 now goes to the emulator log

import decimal
import importlib.util
import json
import struct
import time
import traceback


def _read_exact(count):
    chunks = []
    while count > 0:
        chunk = os.read(_PROTO_IN, count)
        if not chunk:
            os._exit(0)  # the emulator went away
        chunks.append(chunk)
        count -= len(chunk)
    return b"".join(chunks)


def _write_frame(kind, payload):
    data = memoryview(struct.pack(">I", len(payload) + 1) + kind + payload)
    while data:
        written = os.write(_PROTO_OUT, data)
        data = data[written:]


def _decimal_serializer(o):
    if isinstance(o, decimal.Decimal):
        if o.is_nan():
            return "NaN"
        return float(o) if o != o.to_integral_value() else int(o)
    raise TypeError(f"Object of type {o.__class__.__name__} is not JSON serializable")


def _to_json(obj):
    return json.dumps(obj, ensure_ascii=False, default=_decimal_serializer, allow_nan=True)


def _make_error(message, error_type, stack_trace, request_id=None):
    return {
        "errorMessage": message if message else "",
        "errorType": error_type if error_type else "",
        "requestId": request_id if request_id is not None else "",
        "stackTrace": stack_trace if stack_trace is not None else [],
    }


def _fault_result(exc_info, request_id):
    etype, value, tb = exc_info
    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for index in range(len(frames)):
        if "/bootstrap.py" not in frames[index][0]:
            frames = frames[index:]
            break
    return _make_error(str(value), etype.__name__, traceback.format_list(frames), request_id)


class _Fault(Exception):
    def __init__(self, error_type, message, trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace


class LambdaContext:
    def __init__(self, request_id, deadline_ms, invoked_function_arn):
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_function_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(int(self._deadline_ms - time.time() * 1000), 0)

    def __repr__(self):
        return (f"LambdaContext([aws_request_id={self.aws_request_id},log_group_name={self.log_group_name},"
                f"log_stream_name={self.log_stream_name},function_name={self.function_name},"
                f"memory_limit_in_mb={self.memory_limit_in_mb},function_version={self.function_version},"
                f"invoked_function_arn={self.invoked_function_arn},client_context=None,identity=None])")


def _load_handler(task_root, handler_file, handler_name):
    module_name = os.path.splitext(os.path.basename(handler_file))[0]
    try:
        spec = importlib.util.spec_from_file_location(module_name, handler_file)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    except ImportError as e:
        raise _Fault("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {e}")
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise _Fault("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {e}", trace)
    handler = module
    try:
        for part in handler_name.split("."):
            handler = getattr(handler, part)
    except AttributeError:
        fault = _Fault("Runtime.HandlerNotFound", f"Handler '{handler_name}' missing on module '{module_name}'")

        def missing_handler(event, context):
            raise fault
        return missing_handler
    return handler


def main():
    task_root, handler_file, handler_name = sys.argv[1], sys.argv[2], sys.argv[3]
    os.chdir(task_root)
    sys.path.insert(0, task_root)
    try:
        handler = _load_handler(task_root, handler_file, handler_name)
    except _Fault as fault:
        _write_frame(b"F", _to_json(_make_error(fault.message, fault.error_type, fault.trace)).encode("utf-8"))
        return
    except Exception:
        _write_frame(b"F", _to_json(_fault_result(sys.exc_info(), None)).encode("utf-8"))
        return
    _write_frame(b"R", b"")
    while True:
        (length,) = struct.unpack(">I", _read_exact(4))
        frame = _read_exact(length)
        header, _, payload = frame.partition(b"\n")
        request_id, deadline_ms, arn = header.decode("utf-8").split("\t")
        try:
            event = json.loads(payload) if payload.strip() else {}
        except ValueError as e:
            _write_frame(b"I", f"Could not parse request body into json: {e}".encode("utf-8"))
            continue
        context = LambdaContext(request_id, int(deadline_ms), arn)
        try:
            result = handler(event, context)
        except _Fault as fault:
            error = _make_error(fault.message, fault.error_type, fault.trace, request_id)
            _write_frame(b"E", _to_json(error).encode("utf-8"))
            continue
        except Exception:
            _write_frame(b"E", _to_json(_fault_result(sys.exc_info(), request_id)).encode("utf-8"))
            continue
        try:
            output = _to_json(result).encode("utf-8")
        except Exception as e:
            error = _make_error(f"Unable to marshal response: {e}", "Runtime.MarshalError", None, request_id)
            _write_frame(b"E", _to_json(error).encode("utf-8"))
            continue
        _write_frame(b"S", output)


main()
"""#
}
