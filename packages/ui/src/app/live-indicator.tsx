import type { StreamStatus } from '../api/flag-stream';

const TEXT: Readonly<Record<StreamStatus, string>> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
};

/** Whether the page follows the server's changes as they happen. */
export function LiveIndicator({ status }: { readonly status: StreamStatus }) {
  return (
    <span class={`live live-${status}`} role="status" title={status === 'live' ? 'Changes made anywhere appear here at once' : 'Changes may not appear until the connection is back'}>
      <span class="dot" aria-hidden="true" />
      {TEXT[status]}
    </span>
  );
}
