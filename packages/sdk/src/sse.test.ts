import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SseParser, type SseMessage, readEventStream } from './sse.js';

function parse(chunks: string[], initialId = ''): { messages: SseMessage[]; retries: number[]; comments: string[] } {
  const messages: SseMessage[] = [];
  const retries: number[] = [];
  const comments: string[] = [];
  const parser = new SseParser({ onMessage: (m) => messages.push(m), onRetry: (ms) => retries.push(ms), onComment: (c) => comments.push(c) }, initialId);
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return { messages, retries, comments };
}

describe('SseParser', () => {
  it('parses event, id and data, and defaults the type to message', () => {
    const { messages } = parse(['event: unleash-connected\nid: 7\ndata: {"a":1}\n\ndata: x\n\n']);
    assert.deepEqual(messages, [
      { event: 'unleash-connected', data: '{"a":1}', lastEventId: '7' },
      { event: 'message', data: 'x', lastEventId: '7' },
    ]);
  });

  it('joins multi-line data with \\n and strips only one leading space', () => {
    const { messages } = parse(['data:  two spaces\ndata:no space\ndata\n\n']);
    assert.equal(messages[0]?.data, ' two spaces\nno space\n');
  });

  it('handles CRLF and CR line ends, split anywhere across chunks', () => {
    const text = 'event: e\r\nid: 3\r\ndata: a\r\ndata: b\r\n\r\nevent: f\rdata: c\r\r';
    for (let cut = 0; cut <= text.length; cut++) {
      const { messages } = parse([text.slice(0, cut), text.slice(cut)]);
      assert.deepEqual(messages, [
        { event: 'e', data: 'a\nb', lastEventId: '3' },
        { event: 'f', data: 'c', lastEventId: '3' },
      ], `cut at ${cut}`);
    }
    const byChar = parse([...text]);
    assert.equal(byChar.messages.length, 2);
  });

  it('reports comments and retry, ignores unknown fields and non-numeric retry', () => {
    const { messages, retries, comments } = parse([': ping\nretry: 2500\nretry: soon\nfoo: bar\ndata: x\n\n']);
    assert.deepEqual(comments, ['ping']);
    assert.deepEqual(retries, [2500]);
    assert.equal(messages.length, 1);
  });

  it('keeps the last event id across events and ignores ids with NUL; a blank line with no data dispatches nothing', () => {
    const { messages } = parse(['id: 5\n\ndata: a\n\nid: 6\0\ndata: b\n\n'], '1');
    assert.deepEqual(messages.map((m) => m.lastEventId), ['5', '5']);
  });

  it('discards an event cut off by the end of the stream and strips a leading BOM', () => {
    const { messages } = parse(['\uFEFFdata: whole\n\ndata: cut']);
    assert.deepEqual(messages.map((m) => m.data), ['whole']);
  });

  it('reads a byte stream, decoding UTF-8 split across chunks', async () => {
    const bytes = new TextEncoder().encode('data: héllo ✓\n\n');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const b of bytes) controller.enqueue(new Uint8Array([b]));
        controller.close();
      },
    });
    const messages: SseMessage[] = [];
    await readEventStream(body, new SseParser({ onMessage: (m) => messages.push(m) }));
    assert.equal(messages[0]?.data, 'héllo ✓');
  });
});
