/** Why the proxy failed a request: a small closed set, so metrics labels stay bounded. */
export type ErrorCause =
  /** The upstream refused the connection (nothing was sent). */
  | 'refused'
  /** Connect, response-header or total timeout. */
  | 'timeout'
  /** The upstream connection was reset or closed mid-exchange. */
  | 'reset'
  /** The chosen version had no ready instance. */
  | 'no-endpoint'
  /** A size or time limit on the client side was exceeded (413, 431, 408, or a client that stopped reading). */
  | 'limit'
  /** The client sent a malformed or forbidden request (smuggling shapes, bad framing). */
  | 'bad-request'
  | 'other';

/** One finished request, as the data plane saw it. Fed to metrics once per request. */
export interface ProxyObservation {
  readonly service: string;
  /**
   * The version that served the request; "" when the proxy rejected it before choosing one (malformed or
   * ambiguous framing, a head over maxHeaderBytes): such failures belong to the client, not to a version.
   */
  readonly version: string;
  /** What chose the version: a routing rule's name, or "split" for the weighted split; "" when rejected before routing. */
  readonly route: string;
  /** Status sent to the client (101 for a tunnel, reported when it closes); 499 when the client left before the response was complete. */
  readonly status: number;
  readonly durationMs: number;
  /** Set when the proxy or the upstream failed the request (not when the client left). */
  readonly cause?: ErrorCause;
  /** Human-readable detail of the failure, for logs (never a metrics label). */
  readonly error?: string;
  /**
   * The stickiness key, set only when a version other than the split's stable one served the request,
   * so exposure can count the distinct users a candidate reached. Never a metrics label.
   */
  readonly key?: string;
  /** True when the request took the raw-socket fast path rather than node:http. */
  readonly fast?: boolean;
}
