/** OpenAPI paths of the session, whoami and token routes (docs/auth.md). */
export function authPaths(errors: Record<string, object>): Record<string, object> {
  const json = (schema: object) => ({ content: { 'application/json': { schema } } });
  const list = (schema: object) => ({ type: 'array', items: schema, maxItems: 50 });
  const identity = {
    type: 'object',
    required: ['auth', 'name', 'role', 'services', 'scopes', 'expiresAt'],
    properties: { auth: { enum: ['on', 'off'] }, name: { type: 'string' }, role: { enum: ['viewer', 'operator', 'admin'] }, services: list({ type: 'string' }), scopes: list({ type: 'string' }), expiresAt: { type: ['integer', 'null'] } },
  };
  const token = {
    type: 'object',
    description: 'Token metadata; never the secret or its digest',
    properties: {
      name: { type: 'string' }, role: { enum: ['viewer', 'operator', 'admin'] }, services: list({ type: 'string' }), scopes: list({ type: 'string' }),
      createdAt: { type: 'integer' }, createdBy: { type: 'string' }, expiresAt: { type: ['integer', 'null'] }, revokedAt: { type: ['integer', 'null'] }, lastUsedAt: { type: ['integer', 'null'] },
      state: { enum: ['active', 'expired', 'revoked'] },
    },
  };
  const nameParam = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };
  return {
    '/session': {
      post: {
        summary: 'Sign in (the release center): checks an API token and sets the HttpOnly session cookie sluice_session',
        requestBody: json({ type: 'object', required: ['token'], additionalProperties: false, properties: { token: { type: 'string', maxLength: 160 } } }),
        responses: { '200': { description: 'Who is signed in', ...json(identity) }, '429': { description: 'Too many failed sign-ins from this address', ...json({}) }, ...errors },
      },
      delete: { summary: 'Sign out: clears the session cookie', responses: { '204': { description: 'Signed out' } } },
    },
    '/whoami': { get: { summary: 'Who the request acts as; auth "off" when the server runs without --auth', responses: { '200': { description: 'Identity', ...json(identity) }, ...errors } } },
    '/tokens': {
      get: { summary: 'List API tokens (admin)', responses: { '200': { description: 'Tokens by name, revoked ones included', ...json({ type: 'object', properties: { items: { type: 'array', items: token } } }) }, ...errors } },
      post: {
        summary: 'Create an API token (admin); the answer carries the token text, shown only this once',
        requestBody: json({
          type: 'object', required: ['name', 'role'], additionalProperties: false,
          properties: { name: { type: 'string', maxLength: 63 }, role: { enum: ['viewer', 'operator', 'admin'] }, services: list({ type: 'string', maxLength: 128 }), scopes: list({ type: 'string' }), expiresIn: { type: 'string', description: 'e.g. 30d, 12h, 90m; absent: never expires' } },
        }),
        responses: { '201': { description: 'The token (field token) and its metadata', ...json(token) }, ...errors },
      },
    },
    '/tokens/{name}': { delete: { summary: 'Revoke an API token (admin)', parameters: [nameParam], responses: { '200': { description: 'The revoked token', ...json(token) }, ...errors } } },
  };
}
