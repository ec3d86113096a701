import { httpOfGraphqlContext } from './graphql-context';

describe('httpOfGraphqlContext', () => {
  const res = { setHeader: () => undefined, headersSent: false };
  const req = { headers: {}, res };

  it('Apollo on Express: req and res, or req.res when the context only has req (the @nestjs/apollo default)', () => {
    expect(httpOfGraphqlContext({ req, res })).toEqual({ request: req, response: res });
    expect(httpOfGraphqlContext({ req })).toEqual({ request: req, response: res });
  });

  it('Mercurius: reply.request and the reply', () => {
    const reply = { request: { headers: {} }, header: () => undefined, sent: false };
    expect(httpOfGraphqlContext({ app: {}, reply })).toEqual({ request: reply.request, response: reply });
  });

  it('a graphql-ws subscription: the upgrade request, no response', () => {
    const upgrade = { headers: {}, socket: { remoteAddress: '127.0.0.1' } };
    expect(httpOfGraphqlContext({ extra: { request: upgrade } })).toEqual({ request: upgrade, response: undefined });
  });

  it('no response once its headers are sent', () => {
    expect(httpOfGraphqlContext({ req, res: { ...res, headersSent: true } })?.response).toBeUndefined();
    expect(httpOfGraphqlContext({ reply: { request: {}, header: () => undefined, sent: true } })?.response).toBeUndefined();
  });

  it.each([undefined, null, 'ctx', {}, { req: 'not a request' }])('no request in %p', (ctx) => {
    expect(httpOfGraphqlContext(ctx)).toBeUndefined();
  });
});
