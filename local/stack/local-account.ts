/** Where the local stack pretends to run: the region and account in its ARNs, and credentials for its SDK clients. */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '123456789012';
/** Dummy credentials: the local endpoints accept any, the SDK wants some. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
/**
 * The id the local REST API goes by: in the functions' execute-api URLs (which the local stack
 * rewrites to the API stand-in) and in the proxy event's requestContext.apiId.
 */
export const LOCAL_REST_API_ID = 'local-rest-api';
