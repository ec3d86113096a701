import { HttpException, Logger } from '@nestjs/common';
import { FastLaneRefusals } from './fast-lane-refusal';
import { refusalResponse } from '../core/refusal';
import { ThrottleException } from '../core/throttle.exception';

/** A Fastify reply that records what was sent. */
function recordingReply() {
  const sent: { status?: number; headers: Record<string, string>; body?: unknown } = { headers: {} };
  const reply = {
    code: (status: number) => ((sent.status = status), reply),
    header: (name: string, value: string) => ((sent.headers[name.toLowerCase()] = value), reply),
    send: (body: unknown) => void (sent.body = body),
  };
  return { reply, sent };
}

const facts = { scope: 'hi', limit: 5, remaining: 0, retryAfter: 3 };

describe('FastLaneRefusals', () => {
  it('sends the bytes Nest sends for the guard exception, as JSON with its charset, reusing the string per scope and Retry-After', () => {
    const refusals = new FastLaneRefusals(undefined);
    const first = recordingReply();
    refusals.send(facts, {}, first.reply);
    expect(first.sent).toEqual({
      status: 429,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(refusalResponse(undefined, facts, {}, undefined).exception.getResponse()),
    });
    const again = recordingReply();
    refusals.send(facts, {}, again.reply);
    expect(again.sent.body).toBe(first.sent.body);
    const other = recordingReply();
    refusals.send({ ...facts, retryAfter: 1 }, {}, other.reply);
    expect(JSON.parse(other.sent.body as string).message).toBe('Request was throttled. Expected available in 1 second.');
  });

  it('sends problem+json as the guard does', () => {
    const { reply, sent } = recordingReply();
    new FastLaneRefusals('problem+json').send(facts, {}, reply);
    const guard = refusalResponse('problem+json', facts, {}, undefined);
    expect(sent.headers['content-type']).toBe(`${guard.contentType}; charset=utf-8`);
    expect(sent.body).toBe(JSON.stringify(guard.exception.getResponse()));
  });

  it("sends an onThrottled function's body or exception, and a 500 when it throws", () => {
    const body = recordingReply();
    new FastLaneRefusals(() => 'slow down').send(facts, {}, body.reply);
    expect(body.sent).toMatchObject({ status: 429, body: { statusCode: 429, message: 'slow down' } });
    const own = recordingReply();
    new FastLaneRefusals(() => new HttpException({ nope: true }, 418)).send(facts, {}, own.reply);
    expect(own.sent).toMatchObject({ status: 418, body: { nope: true } });
    const thrown = recordingReply();
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    new FastLaneRefusals(() => {
      throw new Error('boom');
    }).send(facts, {}, thrown.reply);
    expect(thrown.sent).toMatchObject({ status: 500, body: { statusCode: 500, message: 'Internal server error' } });
    expect(logged).toHaveBeenCalledTimes(1);
    logged.mockRestore();
  });
});

describe('refusal exceptions capture no stack trace', () => {
  it('ThrottleException and the problem+json exception: a one-line stack, the global limit restored', () => {
    const limit = Error.stackTraceLimit;
    const exception = new ThrottleException('hi', 3);
    expect(exception.stack).toBe('ThrottleException: Request was throttled. Expected available in 3 seconds.');
    expect(exception).toBeInstanceOf(HttpException);
    expect(refusalResponse('problem+json', facts, {}, undefined).exception.stack?.split('\n')).toHaveLength(1);
    expect(Error.stackTraceLimit).toBe(limit);
    expect(new Error('still traced').stack?.split('\n').length).toBeGreaterThan(1);
  });
});
