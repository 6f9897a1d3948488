/// The Node.js runtime bootstrap, written to a temporary directory as `bootstrap.cjs` and started once per
/// worker: `node bootstrap.cjs <task-root> <handler-file> <handler-name>`.
///
/// It behaves like Lambda's Node.js runtime interface client: `.mjs` is loaded with `import()`, `.cjs` with
/// `require`, `.js` with `require` falling back to `import()` for ES modules; the handler may be async (its promise
/// settles the invocation) or callback style `(event, context, callback)`; the result is `JSON.stringify(result)`
/// (`undefined` -> `null`) and errors become `{"errorType", "errorMessage", "trace"}` exactly as the runtime's
/// `toRapidResponse` builds them. Differences: the invocation ends as soon as the callback is called or the promise
/// settles (`callbackWaitsForEmptyEventLoop` is not emulated), and a synchronous handler that neither returns a
/// promise nor takes a callback answers `null` at once.
///
/// Same frame protocol as the Python bootstrap. Node cannot re-point file descriptors, so instead the bootstrap
/// replaces `process.stdout` and the global `console` with ones writing to stderr before any user code runs,
/// and writes protocol frames to fd 1 with `fs.writeSync`.
enum NodeBootstrap {
    static let fileName = "bootstrap.cjs"

    static let source = #"""
// gatecheck Node.js worker bootstrap (generated; do not edit). Mirrors the Lambda Node.js runtime.
'use strict';
const fs = require('fs');
const path = require('path');
const url = require('url');
const { Console } = require('console');

const stderr = process.stderr;
Object.defineProperty(process, 'stdout', { configurable: true, enumerable: true, get() { return stderr; } });
globalThis.console = new Console({ stdout: stderr, stderr: stderr });

function writeFrame(kind, text) {
  const payload = Buffer.from(text, 'utf8');
  const frame = Buffer.alloc(5 + payload.length);
  frame.writeUInt32BE(payload.length + 1, 0);
  frame.write(kind, 4, 'latin1');
  payload.copy(frame, 5);
  let offset = 0;
  while (offset < frame.length) {
    try {
      offset += fs.writeSync(1, frame, offset, frame.length - offset);
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;
    }
  }
}

function toRapidResponse(error) {
  try {
    if (require('util').types.isNativeError(error) || isError(error)) {
      return {
        errorType: error.name?.replace(/\x7F/g, '%7F'),
        errorMessage: error.message?.replace(/\x7F/g, '%7F'),
        trace: error.stack.replace(/\x7F/g, '%7F').split('\n'),
      };
    }
    return { errorType: typeof error, errorMessage: error.toString(), trace: [] };
  } catch (_err) {
    return {
      errorType: 'handled',
      errorMessage: 'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

function isError(obj) {
  return obj && obj.name && obj.message && obj.stack && typeof obj.name === 'string' &&
    typeof obj.message === 'string' && typeof obj.stack === 'string';
}

function fault(errorType, error) {
  const response = toRapidResponse(error);
  return { errorType: errorType, errorMessage: `${error.name || 'Error'}: ${error.message}`, trace: response.trace || [] };
}

async function loadHandler(file, handlerName) {
  const moduleName = path.basename(file).replace(/\.(c|m)?js$/, '');
  let mod;
  try {
    if (file.endsWith('.mjs')) {
      mod = await import(url.pathToFileURL(file).href);
    } else if (file.endsWith('.cjs')) {
      mod = require(file);
    } else {
      try {
        mod = require(file);
      } catch (e) {
        if (e.code !== 'ERR_REQUIRE_ESM') throw e;
        mod = await import(url.pathToFileURL(file).href);
      }
    }
  } catch (e) {
    if (e instanceof SyntaxError) return { initError: fault('Runtime.UserCodeSyntaxError', e) };
    if (e.code === 'MODULE_NOT_FOUND' || e.code === 'ERR_MODULE_NOT_FOUND') return { initError: fault('Runtime.ImportModuleError', e) };
    return { initError: toRapidResponse(e) };
  }
  let handler = mod;
  for (const part of handlerName.split('.')) handler = handler == null ? undefined : handler[part];
  if (typeof handler !== 'function') {
    const message = `${moduleName}.${handlerName} is undefined or not exported`;
    return { handler: () => { const e = new Error(message); e.name = 'Runtime.HandlerNotFound'; throw e; } };
  }
  return { handler };
}

function invoke(handler, header, eventBytes) {
  const [requestId, deadlineText, arn] = header.split('\t');
  const deadline = Number(deadlineText);
  let event;
  try {
    event = eventBytes.length && eventBytes.toString('utf8').trim() ? JSON.parse(eventBytes.toString('utf8')) : {};
  } catch (e) {
    writeFrame('I', `Could not parse request body into json: ${e.message}`);
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    let finished = false;
    const finish = (error, result) => {
      if (finished) return;
      finished = true;
      if (error !== null && error !== undefined) {
        writeFrame('E', JSON.stringify(toRapidResponse(error)));
      } else {
        let output;
        try {
          output = JSON.stringify(result === undefined ? null : result);
        } catch (e) {
          output = null;
          writeFrame('E', JSON.stringify({ errorType: 'Runtime.MarshalError', errorMessage: `Unable to stringify response body: ${e.message}`, trace: [] }));
        }
        if (output !== null) writeFrame('S', output === undefined ? 'null' : output);
      }
      resolve();
    };
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      invokedFunctionArn: arn,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      awsRequestId: requestId,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      identity: undefined,
      clientContext: undefined,
      getRemainingTimeInMillis() { return Math.max(deadline - Date.now(), 0); },
      succeed(result) { finish(null, result); },
      fail(error) { finish(error === undefined ? 'handled' : error); },
      done(error, result) { finish(error, result); },
    };
    const callback = (error, result) => finish(error, result);
    try {
      const returned = handler(event, context, callback);
      if (returned && typeof returned.then === 'function') {
        returned.then((value) => finish(null, value), (error) => finish(error === undefined || error === null ? 'handled' : error));
      } else if (handler.length < 3) {
        finish(null, null);
      }
    } catch (e) {
      finish(e);
    }
  });
}

async function main() {
  const [taskRoot, handlerFile, handlerName] = process.argv.slice(2);
  process.chdir(taskRoot);
  const loaded = await loadHandler(handlerFile, handlerName);
  if (loaded.initError) {
    writeFrame('F', JSON.stringify(loaded.initError));
    process.exit(0);
  }
  writeFrame('R', '');
  let buffered = Buffer.alloc(0);
  let busy = Promise.resolve();
  process.stdin.on('data', (chunk) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    while (buffered.length >= 4) {
      const length = buffered.readUInt32BE(0);
      if (buffered.length < 4 + length) break;
      const frame = buffered.subarray(4, 4 + length);
      buffered = buffered.subarray(4 + length);
      const newline = frame.indexOf(10);
      const header = frame.subarray(0, newline).toString('utf8');
      const eventBytes = Buffer.from(frame.subarray(newline + 1));
      busy = busy.then(() => invoke(loaded.handler, header, eventBytes));
    }
  });
  process.stdin.on('end', () => process.exit(0));
}

main();
"""#
}
