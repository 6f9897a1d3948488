// Node.js (CommonJS) handlers for the Backends tests.
exports.ok = async (event, context) => ({ ok: true, event, pid: process.pid });

exports.contextFields = async (event, context) => ({
  functionName: context.functionName,
  functionVersion: context.functionVersion,
  invokedFunctionArn: context.invokedFunctionArn,
  memoryLimitInMB: context.memoryLimitInMB,
  awsRequestId: context.awsRequestId,
  callbackWaitsForEmptyEventLoop: context.callbackWaitsForEmptyEventLoop,
  remaining: context.getRemainingTimeInMillis(),
});

exports.fail = async () => {
  const error = new Error('order 42 does not exist');
  error.name = 'OrderNotFound';
  throw error;
};

exports.callbackStyle = (event, context, callback) => {
  setImmediate(() => callback(null, { style: 'callback', n: event.n }));
};

exports.callbackError = (event, context, callback) => {
  callback(new TypeError('bad input'));
};

exports.slow = async (event) => new Promise((resolve) => setTimeout(() => resolve({ slept: true }), event.ms || 5000));

exports.crash = async () => { process.exit(1); };

exports.chatty = async (event) => {
  console.log('hello from console.log', event.n);
  process.stdout.write('written to stdout\n');
  console.error('written to stderr');
  return { quiet: true };
};

exports.returnsUndefined = async () => undefined;
