// Requires a module that does not exist: loading fails like a Lambda init error.
require('./module-that-does-not-exist');
exports.handler = async () => 1;
