import { href, Link } from '../app/router';
import { healthOf } from './release-health';
import type { Release } from './release-model';
import { Ended, ExposureList, HealthBadges, PhaseBadge, Progress, RolloutLink } from './release-parts';

function RolloutCell({ release }: { readonly release: Release }) {
  const { active, last } = release;
  if (active !== undefined) {
    return (
      <div class="rel-rollout-cell">
        <RolloutLink rollout={active} /> <PhaseBadge rollout={active} />
        <div class="small muted">
          {active.status.stable} → {active.spec.target} ({active.spec.strategy.kind})
        </div>
      </div>
    );
  }
  return (
    <div class="rel-rollout-cell">
      <span class="muted">No rollout in progress</span>
      {last !== undefined && (
        <div>
          <Ended rollout={last} />
        </div>
      )}
    </div>
  );
}

function ReleaseRow({ release }: { readonly release: Release }) {
  const { service, active } = release;
  const address = service.traffic?.address ?? service.spec.listen;
  return (
    <tr data-service={service.name} data-active={active !== undefined}>
      <th scope="row" data-label="Service">
        <Link to={href(`services/${encodeURIComponent(service.name)}`)} class="rel-release-name">
          {service.name}
        </Link>
        <span class="muted small rel-release-address">{address}</span>
      </th>
      <td data-label="Stable">
        <span class="rel-version" data-stable={service.status.stable}>
          {service.status.stable}
        </span>{' '}
        <span class="muted small">revision {service.status.revision}</span>
      </td>
      <td data-label="Rollout">
        <RolloutCell release={release} />
      </td>
      <td data-label="Progress">{active === undefined ? <span class="muted">100 % on {service.status.stable}</span> : <Progress rollout={active} service={service} />}</td>
      <td data-label="Health">
        <HealthBadges signals={healthOf(service, active)} label={`Health of ${service.name}`} />
      </td>
      <td data-label="Exposure">{active === undefined ? <span class="muted">—</span> : <ExposureList rollout={active} />}</td>
    </tr>
  );
}

/** Every service with its stable version and its live rollout: a table on wide screens, a card each on a phone. */
export function ReleaseTable({ releases }: { readonly releases: readonly Release[] }) {
  return (
    <table class="table rel-release-table">
      <colgroup>
        <col class="rel-col-service" />
        <col class="rel-col-stable" />
        <col class="rel-col-rollout" />
        <col class="rel-col-progress" />
        <col class="rel-col-health" />
        <col class="rel-col-exposure" />
      </colgroup>
      <thead>
        <tr>
          <th scope="col">Service</th>
          <th scope="col">Stable</th>
          <th scope="col">Rollout</th>
          <th scope="col">Progress</th>
          <th scope="col">Health</th>
          <th scope="col">Exposure</th>
        </tr>
      </thead>
      <tbody>
        {releases.map((r) => (
          <ReleaseRow key={r.service.name} release={r} />
        ))}
      </tbody>
    </table>
  );
}
