import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SseParser } from './event-stream-client.js';

describe('SseParser', () => {
  test('splits messages across any chunking and line ending, and hands comments aside', () => {
    const comments: string[] = [];
    const parser = new SseParser((c) => comments.push(c));
    const text = ': connected\n\nid: 7\nevent: event\ndata: {"seq":7}\n\r\nid: 8\r\nevent: event\r\ndata: {"seq":\r\ndata: 8}\r\n\r\n: keep-alive\n\n';
    const messages = [...text].flatMap((ch) => parser.push(ch));
    assert.deepEqual(messages, [
      { event: 'event', data: '{"seq":7}', id: '7' },
      { event: 'event', data: '{"seq":\n8}', id: '8' },
    ]);
    assert.deepEqual(comments, ['connected', 'keep-alive']);
  });

  test('a message without an event name is a "message"; one without data is dropped', () => {
    const parser = new SseParser();
    assert.deepEqual(parser.push('data:x\n\nevent: event\n\n'), [{ event: 'message', data: 'x' }]);
    assert.deepEqual(parser.push('data: partial'), []);
  });
});
