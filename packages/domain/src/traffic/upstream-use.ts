/**
 * How the data plane stands with one upstream endpoint of a route: whether it sends new requests
 * there, and how many requests to it are still in flight (those of an endpoint just dropped from the
 * route included). The runtime reads it to add an instance before relying on it and to take one out
 * and drain it before stopping it.
 */
export interface UpstreamUse {
  /**
   * "all": every part of the data plane picks the endpoint for new requests; "none": no part does;
   * "some": a multi-process data plane is part way through a route change.
   */
  readonly routed: 'all' | 'some' | 'none';
  /** Requests forwarded to the endpoint that have not finished. */
  readonly inflight: number;
}

/** Combines the answers of several data-plane processes: routed by all of them, some or none; in-flight requests summed. */
export function combineUpstreamUse(parts: readonly UpstreamUse[]): UpstreamUse {
  const routed = parts.filter((p) => p.routed !== 'none').length;
  const everywhere = parts.length > 0 && parts.every((p) => p.routed === 'all');
  return {
    routed: everywhere ? 'all' : routed === 0 ? 'none' : 'some',
    inflight: parts.reduce((sum, p) => sum + p.inflight, 0),
  };
}
