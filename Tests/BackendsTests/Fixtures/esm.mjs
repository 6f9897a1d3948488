// An ES module handler.
export const handler = async (event, context) => ({ module: 'esm', requestId: context.awsRequestId, event });
