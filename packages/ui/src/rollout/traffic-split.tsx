import type { Condition, ConditionSpec, MirrorSpec, RouteRule, StringMatch, TrafficSplit } from '@sluice/domain';
import { percent } from '../flags/format';
import type { RolloutView, ServiceView } from './rollout-api';

function match(m: StringMatch): string {
  if ('exact' in m) return `= "${m.exact}"`;
  if ('prefix' in m) return `starts with "${m.prefix}"`;
  if ('regex' in m) return `~ /${m.regex}/`;
  return `in [${m.in.slice(0, 5).join(', ')}${m.in.length > 5 ? ', …' : ''}]`;
}

/** One condition as a person reads it (the UI may not import the domain's describer, which is runtime code). */
export function describeCondition(c: ConditionSpec | Condition): string {
  switch (c.kind) {
    case 'header':
    case 'cookie':
    case 'query':
      return `${c.kind} ${c.name} ${match(c.match)}`;
    case 'pathPrefix':
      return `path starts with ${c.prefix}`;
    case 'method':
      return `method ${c.methods.join('|')}`;
    case 'sourceCidr':
      return `source ${c.cidrs.join(', ')}`;
    case 'segment':
      return `segment ${c.segment}`;
    case 'flag':
      return `flag ${c.flag} on in ${c.environment}`;
    case 'anyOf':
      return `any of (${c.groups.map((g) => g.map(describeCondition).join(' and ')).join(' | ')})`;
  }
}

function ruleTarget(rule: RouteRule<ConditionSpec> | RouteRule): string {
  return rule.action.kind === 'version' ? rule.action.version : `${percent(rule.action.weight)} to ${rule.action.canary}`;
}

function Rules({ rules, mirror }: { readonly rules: readonly (RouteRule<ConditionSpec> | RouteRule)[]; readonly mirror: MirrorSpec | undefined }) {
  if (rules.length === 0 && mirror === undefined) return <p class="muted small split-extra">No header or segment routes, no mirror.</p>;
  return (
    <ul class="split-rules split-extra">
      {rules.map((r) => (
        <li key={r.name} data-rule={r.name}>
          <strong>{r.name}</strong>: {r.conditions.length === 0 ? 'every request' : r.conditions.map(describeCondition).join(' and ')} → <strong>{ruleTarget(r)}</strong>
        </li>
      ))}
      {mirror !== undefined && (
        <li data-mirror={mirror.percent}>
          <strong>Mirror</strong>: a copy of {percent(mirror.percent)} of requests to {mirror.version} (responses discarded)
        </li>
      )}
    </ul>
  );
}

/** The split the data plane serves (its report), else the one the rollout wants. */
function shownSplit(view: RolloutView, service: ServiceView | undefined): { split: TrafficSplit; observed: boolean } {
  const traffic = service?.traffic;
  if (traffic !== undefined) return { split: traffic, observed: true };
  const { status, spec } = view;
  return { split: { stable: status.stable, canary: spec.target, weight: status.canaryWeight, salt: view.name, ...(status.mirror ? { mirror: status.mirror } : {}) }, observed: false };
}

/** Stable and canary shares as one bar, then the rules tried before it and the mirror. */
export function TrafficSplitView({ view, service }: { readonly view: RolloutView; readonly service: ServiceView | undefined }) {
  const { split, observed } = shownSplit(view, service);
  const canary = split.canary === undefined ? 0 : split.weight;
  const stable = 100 - canary;
  const wanted = view.status.canaryWeight;
  return (
    <section class="panel split" aria-labelledby="split-title" data-stable-percent={stable} data-canary-percent={canary}>
      <h2 id="split-title">Traffic</h2>
      <div class="split-bar" role="img" aria-label={`${split.stable} ${percent(stable)}, ${split.canary ?? view.spec.target} ${percent(canary)}`}>
        <div class="split-stable" style={{ flexGrow: stable }} />
        <div class="split-canary" style={{ flexGrow: canary }} />
      </div>
      <div class="split-legend">
        <span>
          <span class="swatch swatch-stable" aria-hidden="true" /> {split.stable} (stable) <strong class="num">{percent(stable)}</strong>
        </span>
        <span>
          <span class="swatch swatch-canary" aria-hidden="true" /> {split.canary ?? view.spec.target} (canary) <strong class="num">{percent(canary)}</strong>
        </span>
      </div>
      <p class="muted small">
        {observed ? 'As the data plane reports it serving' : 'As the rollout wants it (the data plane has not reported yet)'}
        {observed && canary !== wanted && split.canary !== undefined ? `; the rollout wants ${percent(wanted)}` : ''}.
      </p>
      <Rules rules={split.rules ?? view.status.rules ?? []} mirror={split.mirror ?? view.status.mirror} />
    </section>
  );
}
